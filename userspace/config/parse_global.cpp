// global_defs { ... }
#include "config/block_reader.h"
#include "config/multicast_group.h"
#include "config/parse_blocks.h"
#include "config/values.h"

namespace xdplb::config::detail {

namespace {

constexpr Choices<XdpMode, 3> xdp_modes{
    .rule = {.subject = "xdp_mode"},
    .spellings = {{{"native", XdpMode::native}, {"generic", XdpMode::generic}, {"best", XdpMode::best}}}};

// keepalived's global_defs keywords that xdplb accepts and ignores, by the reason it gives.
constexpr std::string_view ipvs_only_keywords[] = {"lvs_id",    "lvs_sync_daemon",  "lvs_timeouts",
                                                   "lvs_flush", "lvs_flush_onstop", "lvs_flush_on_stop",
                                                   "checker_process_name"};
constexpr std::string_view unimplemented_keywords[] = {
    // VRRP tuning
    "vrrp_garp_interval", "vrrp_gna_interval", "vrrp_garp_master_refresh", "vrrp_garp_master_refresh_repeat", "vrrp_garp_lower_prio_delay",
    "vrrp_garp_lower_prio_repeat", "vrrp_lower_prio_no_advert", "vrrp_higher_prio_send_advert",
    "vrrp_skip_check_adv_addr", "vrrp_check_unicast_src", "vrrp_iptables", "vrrp_ipsets",
    "vrrp_startup_delay", "vrrp_min_garp",
    // process scheduling
    "vrrp_priority", "checker_priority", "vrrp_no_swap", "checker_no_swap", "vrrp_rt_priority",
    "checker_rt_priority", "vrrp_cpu_affinity", "checker_cpu_affinity",
    // SNMP and D-Bus
    "enable_snmp_vrrp", "enable_snmp_checker", "enable_snmp_rfc", "enable_snmp_rfcv2", "enable_snmp_rfcv3",
    "enable_snmp_keepalived", "snmp_socket", "enable_traps", "enable_dbus",
    // the process, its interfaces and netlink
    "default_interface", "dynamic_interfaces", "max_auto_priority", "process_names", "vrrp_process_name",
    "net_namespace", "instance", "use_pid_dir", "linkbeat_use_polling", "umask", "vrrp_netlink_cmd_rcv_bufs",
    "vrrp_netlink_monitor_rcv_bufs", "lvs_netlink_cmd_rcv_bufs", "lvs_netlink_monitor_rcv_bufs",
    "startup_script", "shutdown_script",
    // mail
    "smtp_helo_name", "no_email_faults", "smtp_alert_checker", "no_checker_emails",
    // keepalived's other processes (BFD, the checker child, D-Bus) and their tuning
    "bfd_cpu_affinity", "bfd_no_swap", "bfd_priority", "bfd_process_name", "bfd_rlimit_rttime", "bfd_rt_priority",
    "checker_rlimit_rttime", "vrrp_rlimit_rttime", "child_wait_time", "data_use_instance", "dbus_service_name",
    "process_name", "process_monitor_rcv_bufs", "process_monitor_rcv_bufs_force", "random_seed",
    "lvs_netlink_cmd_rcv_bufs_force", "lvs_netlink_monitor_rcv_bufs_force", "vrrp_netlink_cmd_rcv_bufs_force",
    "vrrp_netlink_monitor_rcv_bufs_force", "vrrp_rx_bufs_policy", "vrrp_rx_bufs_multiplier",
    "startup_script_timeout", "shutdown_script_timeout", "namespace_with_ipsets", "net_namespace_ipvs",
    // firewall rules keepalived would install (xdplb installs none)
    "nftables", "nftables_counters", "nftables_ifindex", "nftables_ipvs", "nftables_ipvs_priority",
    "nftables_ipvs_start_fwmark", "nftables_priority",
    // reloads, logging and notifications keepalived offers besides these
    "config_save_dir", "tmp_config_directory", "reload_check_config", "reload_file", "reload_repeat",
    "reload_time_file", "checker_log_all_failures", "log_unknown_vrids", "fifo_write_vrrp_states_on_reload",
    "rs_init_notifies", "vrrp_notify_priority_changes", "min_auto_priority_delay",
    // VRRP details
    "vrrp_down_timer_adverts", "vrrp_garp_extra_if", "vmac_prefix", "vmac_addr_prefix"};

void read_notification_email(const SyntaxNode& block, GlobalDefs& global, Diagnostics& diagnostics) {
  for (const auto& entry : block.children) {
    if (entry.has_block || !entry.arguments.empty()) {
      diagnostics.error(entry.location(), "notification_email takes one address per line");
      continue;
    }
    global.notification_email.push_back(entry.keyword.text);
  }
}

// "smtp_server HOST [PORT]"
void read_smtp_server(const SyntaxNode& statement, GlobalDefs& global, Diagnostics& diagnostics) {
  const auto* host = require_argument(statement, 0, "a host", diagnostics);
  if (!host) return;
  global.smtp_server = host->text;
  if (statement.arguments.size() > 1) {
    if (const auto port = read_port(statement.arguments[1], "smtp_server port", diagnostics))
      global.smtp_port = *port;
  }
}

// "xdp_conntrack_flood_rate auto|N"
void read_flood_rate(const SyntaxNode& statement, GlobalDefs& global, Diagnostics& diagnostics) {
  const auto* rate = require_argument(statement, 0, "auto or new flows per second", diagnostics);
  if (!rate) return;
  if (rate->text == "auto") {
    global.xdp_conntrack_flood_rate.reset();
  } else if (const auto value = read_single_integer(statement, 0, 1'000'000'000, diagnostics)) {
    global.xdp_conntrack_flood_rate = static_cast<std::uint32_t>(*value);
  }
}

// router_id names this node in the mails.
void add_mail_keywords(BlockReader& reader, GlobalDefs& global, Diagnostics& diagnostics) {
  reader.on("router_id", BlockReader::word(global.router_id, "a name", diagnostics))
      .on_block("notification_email", read_notification_email, global)
      .on("notification_email_from",
          BlockReader::word(global.notification_email_from, "an address", diagnostics))
      .on("smtp_server", read_smtp_server, global)
      .on("smtp_connect_timeout", BlockReader::seconds(global.smtp_connect_timeout, std::chrono::seconds(1),
                                                       std::chrono::seconds(3600), diagnostics))
      .on("smtp_alert", BlockReader::boolean(global.smtp_alert, diagnostics))
      .on("smtp_alert_vrrp", BlockReader::boolean(global.smtp_alert_vrrp, diagnostics));
}

// "vrrp_mcast_group4 ADDRESS", "vrrp_mcast_group6 ADDRESS"
BlockReader::Handler multicast_group(IpAddress& field, AddressFamily family, std::string_view keyword,
                                     Diagnostics& diagnostics) {
  return [&field, family, keyword, &diagnostics](const SyntaxNode& statement) {
    const auto* token = require_argument(statement, 0, "a multicast address", diagnostics);
    if (!token) return;
    if (const auto group = read_multicast_group(*token, family, keyword, diagnostics)) field = *group;
  };
}

void add_vrrp_keywords(BlockReader& reader, GlobalDefs& global, Diagnostics& diagnostics) {
  reader.on("vrrp_version", BlockReader::integer(global.vrrp_version, 2, 3, diagnostics))
      .on("vrrp_garp_master_delay", BlockReader::seconds(global.vrrp_garp_master_delay, Duration{0},
                                                         std::chrono::seconds(255), diagnostics))
      .on("vrrp_garp_master_repeat",
          BlockReader::integer(global.vrrp_garp_master_repeat, 0, 255, diagnostics))
      .on("vrrp_strict", BlockReader::flag(global.vrrp_strict, diagnostics))
      .on("vrrp_mcast_group4",
          multicast_group(global.vrrp_mcast_group4, AddressFamily::ipv4, "vrrp_mcast_group4", diagnostics))
      .on("vrrp_mcast_group6",
          multicast_group(global.vrrp_mcast_group6, AddressFamily::ipv6, "vrrp_mcast_group6", diagnostics));
}

// Who runs scripts, and the FIFOs that hear about every state change.
void add_script_keywords(BlockReader& reader, GlobalDefs& global, Diagnostics& diagnostics) {
  reader.on("enable_script_security", BlockReader::flag(global.enable_script_security, diagnostics))
      .on("script_user", BlockReader::user_and_group(global.script_user, global.script_group, diagnostics))
      .on("notify_fifo", BlockReader::word(global.notify_fifo, "a FIFO path", diagnostics))
      .on("notify_fifo_script", BlockReader::script_with_user(global.notify_fifo_script, diagnostics))
      .on("vrrp_notify_fifo", BlockReader::word(global.vrrp_notify_fifo, "a FIFO path", diagnostics))
      .on("vrrp_notify_fifo_script",
          BlockReader::script_with_user(global.vrrp_notify_fifo_script, diagnostics))
      .on("lvs_notify_fifo", BlockReader::word(global.lvs_notify_fifo, "a FIFO path", diagnostics))
      .on("lvs_notify_fifo_script",
          BlockReader::script_with_user(global.lvs_notify_fifo_script, diagnostics));
}

// xdplb's own keywords: where the program runs and how large its flow table is.
void add_xdp_keywords(BlockReader& reader, GlobalDefs& global, Diagnostics& diagnostics) {
  reader.on("xdp_interface", BlockReader::word(global.xdp_interface, "an interface name", diagnostics))
      .on("xdp_mode", BlockReader::choice(global.xdp_mode, xdp_modes, diagnostics))
      .on("xdp_conntrack_size", BlockReader::integer(global.xdp_conntrack_size, 1024, 1 << 26, diagnostics))
      .on("xdp_conntrack_flood_rate", read_flood_rate, global);
}

}  // namespace

void parse_global_defs(const SyntaxNode& node, GlobalDefs& global, Diagnostics& diagnostics) {
  global.location = node.location();
  BlockReader reader("global_defs", diagnostics, &global.keywords);
  add_mail_keywords(reader, global, diagnostics);
  add_vrrp_keywords(reader, global, diagnostics);
  add_script_keywords(reader, global, diagnostics);
  add_xdp_keywords(reader, global, diagnostics);
  // Applied while the files are read (preprocess.cpp), like keepalived does.
  reader.on("include_check", [](const SyntaxNode&) {});
  reader.not_applicable(ipvs_only_keywords, "IPVS only: xdplb has no IPVS")
      .not_applicable(unimplemented_keywords, "keepalived option xdplb does not implement");
  reader.read(node.children);
}

}  // namespace xdplb::config::detail
