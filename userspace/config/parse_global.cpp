// global_defs { ... }
#include "config/block_reader.h"
#include "config/parse_blocks.h"
#include "config/values.h"

namespace xdplb::config::detail {

void parse_global_defs(const SyntaxNode& node, GlobalDefs& global, Diagnostics& diagnostics) {
  global.location = node.location();
  BlockReader reader("global_defs", diagnostics, &global.keywords);
  reader.on("router_id", BlockReader::word(global.router_id, "a name", diagnostics))
      .on_block("notification_email",
                [&](const SyntaxNode& block) {
                  for (const auto& entry : block.children) {
                    if (entry.has_block || !entry.arguments.empty()) {
                      diagnostics.error(entry.location(), "notification_email takes one address per line");
                      continue;
                    }
                    global.notification_email.push_back(entry.keyword.text);
                  }
                })
      .on("notification_email_from",
          BlockReader::word(global.notification_email_from, "an address", diagnostics))
      .on("smtp_server",
          [&](const SyntaxNode& statement) {
            const auto* host = require_argument(statement, 0, "a host", diagnostics);
            if (!host) return;
            global.smtp_server = host->text;
            if (statement.arguments.size() > 1) {
              if (const auto port = read_port(statement.arguments[1], "smtp_server port", diagnostics))
                global.smtp_port = *port;
            }
          })
      .on("smtp_connect_timeout", BlockReader::seconds(global.smtp_connect_timeout, std::chrono::seconds(1),
                                                       std::chrono::seconds(3600), diagnostics))
      .on("vrrp_version",
          [&](const SyntaxNode& statement) {
            if (const auto version = read_single_integer(statement, 2, 3, diagnostics))
              global.vrrp_version = static_cast<int>(*version);
          })
      .on("vrrp_garp_master_delay", BlockReader::seconds(global.vrrp_garp_master_delay, Duration{0},
                                                         std::chrono::seconds(255), diagnostics))
      .on("vrrp_garp_master_repeat",
          BlockReader::integer(global.vrrp_garp_master_repeat, 0, 255, diagnostics))
      .on("enable_script_security", BlockReader::flag(global.enable_script_security))
      .on("script_user", BlockReader::user_and_group(global.script_user, global.script_group, diagnostics))
      .on("vrrp_strict", BlockReader::flag(global.vrrp_strict))
      .on("notify_fifo", BlockReader::word(global.notify_fifo, "a FIFO path", diagnostics))
      .on("notify_fifo_script", BlockReader::script_with_user(global.notify_fifo_script, diagnostics))
      .on("vrrp_notify_fifo", BlockReader::word(global.vrrp_notify_fifo, "a FIFO path", diagnostics))
      .on("vrrp_notify_fifo_script", BlockReader::script_with_user(global.vrrp_notify_fifo_script, diagnostics))
      .on("lvs_notify_fifo", BlockReader::word(global.lvs_notify_fifo, "a FIFO path", diagnostics))
      .on("lvs_notify_fifo_script", BlockReader::script_with_user(global.lvs_notify_fifo_script, diagnostics))
      .on("xdp_interface", BlockReader::word(global.xdp_interface, "an interface name", diagnostics))
      .on("xdp_mode",
          [&](const SyntaxNode& statement) {
            const auto* mode = require_argument(statement, 0, "native, generic or best", diagnostics);
            if (!mode) return;
            if (mode->text == "native") {
              global.xdp_mode = XdpMode::native;
            } else if (mode->text == "generic") {
              global.xdp_mode = XdpMode::generic;
            } else if (mode->text == "best") {
              global.xdp_mode = XdpMode::best;
            } else {
              diagnostics.error(mode->location,
                                "xdp_mode must be native, generic or best, not '" + mode->text + "'");
            }
          })
      .on("xdp_conntrack_size", BlockReader::integer(global.xdp_conntrack_size, 1024, 1 << 26, diagnostics))
      .on("xdp_conntrack_flood_rate",
          [&](const SyntaxNode& statement) {
            const auto* rate = require_argument(statement, 0, "auto or new flows per second", diagnostics);
            if (!rate) return;
            if (rate->text == "auto") {
              global.xdp_conntrack_flood_rate.reset();
            } else if (const auto value = read_single_integer(statement, 0, 1'000'000'000, diagnostics)) {
              global.xdp_conntrack_flood_rate = static_cast<std::uint32_t>(*value);
            }
          })
      .not_applicable({"lvs_id", "lvs_sync_daemon", "lvs_timeouts", "lvs_flush", "lvs_flush_onstop",
                       "checker_process_name"},
                      "IPVS only: xdplb has no IPVS")
      .not_applicable({"vrrp_mcast_group4",
                       "vrrp_mcast_group6",
                       "vrrp_garp_interval",
                       "vrrp_gna_interval",
                       "vrrp_garp_master_refresh",
                       "vrrp_garp_master_refresh_repeat",
                       "vrrp_garp_lower_prio_delay",
                       "vrrp_garp_lower_prio_repeat",
                       "vrrp_lower_prio_no_advert",
                       "vrrp_higher_prio_send_advert",
                       "vrrp_skip_check_adv_addr",
                       "vrrp_check_unicast_src",
                       "vrrp_iptables",
                       "vrrp_ipsets",
                       "vrrp_priority",
                       "checker_priority",
                       "vrrp_no_swap",
                       "checker_no_swap",
                       "vrrp_rt_priority",
                       "checker_rt_priority",
                       "vrrp_cpu_affinity",
                       "checker_cpu_affinity",
                       "enable_snmp_vrrp",
                       "enable_snmp_checker",
                       "enable_snmp_rfc",
                       "enable_snmp_rfcv2",
                       "enable_snmp_rfcv3",
                       "enable_snmp_keepalived",
                       "snmp_socket",
                       "enable_traps",
                       "enable_dbus",
                       "default_interface",
                       "dynamic_interfaces",
                       "max_auto_priority",
                       "process_names",
                       "vrrp_process_name",
                       "net_namespace",
                       "instance",
                       "use_pid_dir",
                       "linkbeat_use_polling",
                       "umask",
                       "vrrp_netlink_cmd_rcv_bufs",
                       "vrrp_netlink_monitor_rcv_bufs",
                       "lvs_netlink_cmd_rcv_bufs",
                       "lvs_netlink_monitor_rcv_bufs",
                       "smtp_helo_name",
                       "no_email_faults",
                       "startup_script",
                       "shutdown_script",
                       "vrrp_startup_delay",
                       "vrrp_min_garp"},
                      "keepalived option xdplb does not implement");
  reader.read(node.children);
}

}  // namespace xdplb::config::detail
