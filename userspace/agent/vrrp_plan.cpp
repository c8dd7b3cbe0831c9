#include "agent/vrrp_plan.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <set>

#include <spdlog/spdlog.h>

#include "agent/route_plan.h"
#include "common/process.h"
#include "common/script_identity.h"
#include "config/check_scripts.h"
#include "config/tracking_weight.h"
#include "vrrp/netlink.h"

namespace xdplb::agent {

namespace {

constexpr auto kGarpRefreshRepeat = 1U;

[[noreturn]] void fail(const config::SourceLocation& where, const std::string& what) {
  throw VrrpPlanError(where.file_name() + ":" + std::to_string(where.line) + ": " + what);
}

const UserDatabase& users_of(const VrrpHostFacts& host) { return host.users ? *host.users : system_user_database(); }

// Every VRRP script goes through the one rule (common/script_identity.h). A configuration error
// refuses the plan (the load has reported it already); a script the host's files make unsafe is left
// out with a log line, as keepalived disables it.
std::optional<PlannedScript> plan_or_disable(const std::string& command, const std::string& user,
                                             const std::string& group, const config::GlobalDefs& global,
                                             const VrrpHostFacts& host, const config::SourceLocation& where,
                                             const std::string& what) {
  auto planned = plan_script(command, user, group, config::script_defaults(global), users_of(host));
  if (planned.error) fail(where, what + ": " + *planned.error);
  if (planned.disabled) {
    spdlog::warn("{}:{}: {} is disabled: {}", where.file_name(), where.line, what, *planned.disabled);
    return std::nullopt;
  }
  spdlog::debug("{} runs as {} (uid:gid {}:{})", what, planned.identity.user, planned.identity.uid,
                planned.identity.gid);
  return planned;
}

vrrp::NotifyRunAs run_as(const ScriptIdentity& identity) { return {identity.uid, identity.gid}; }

// The notify lines of an instance or a sync group, each with its own user; a disabled one is left
// empty. A PATH search the check resolved travels in the command, so the notifier runs the file that
// was checked.
vrrp::NotifyCommands notify_commands(const config::NotifyScripts& n, const config::KeywordLocations& keywords,
                                     const config::SourceLocation& fallback, const std::string& owner,
                                     const config::GlobalDefs& global, const VrrpHostFacts& host) {
  vrrp::NotifyCommands out;
  const auto plan_one = [&](const config::ScriptCommand& script, std::string_view keyword, std::string& command,
                            std::optional<vrrp::NotifyRunAs>& as) {
    if (script.empty()) return;
    const auto planned = plan_or_disable(script.command, script.user, script.group, global, host,
                                         keywords.at_or(keyword, fallback),
                                         owner + " " + std::string(keyword));
    if (!planned) return;
    command = checked_command(script.command, *planned);
    as = run_as(planned->identity);
  };
  plan_one(n.master, "notify_master", out.master, out.master_as);
  plan_one(n.backup, "notify_backup", out.backup, out.backup_as);
  plan_one(n.fault, "notify_fault", out.fault, out.fault_as);
  plan_one(n.stop, "notify_stop", out.stop, out.stop_as);
  plan_one(n.any, "notify", out.any, out.any_as);
  return out;
}

vrrp::InstanceSettings plan_instance(const config::Config& config, const config::VrrpInstance& vi,
                                     const VrrpHostFacts& host, const std::set<std::string>& disabled_scripts) {
  const auto& global = config.global;
  const std::string what = "vrrp_instance " + vi.name;
  if (vi.interface.empty()) fail(vi.location, what + ": no interface");
  vrrp::InstanceSettings s;
  s.interface = vi.interface;
  const bool ipv6 = vi.family() == config::AddressFamily::ipv6;
  auto& p = s.vrrp;
  p.name = vi.name;
  const int version = vi.effective_version(global);
  if (version != 2 && version != 3) fail(vi.location, what + ": version must be 2 or 3");
  p.version = version == 3 ? vrrp::Version::v3 : vrrp::Version::v2;
  if (ipv6 && p.version == vrrp::Version::v2)
    fail(vi.location, what + ": IPv6 needs vrrp_version 3 (RFC 3768 is IPv4 only)");
  p.vrid = vi.virtual_router_id;
  p.priority = vi.priority;
  p.advert_interval = vi.advert_int;
  p.preempt = !vi.nopreempt;
  p.preempt_delay = vi.preempt_delay;
  p.initial_state = vi.state == config::VrrpState::master ? vrrp::InitialState::master : vrrp::InitialState::backup;
  switch (vi.authentication.type) {
    case config::AuthType::none: break;
    case config::AuthType::pass:
      p.auth_type = vrrp::AuthType::simple_password;
      p.auth_password = vi.authentication.password;
      break;
    case config::AuthType::ah: fail(vi.location, what + ": auth_type AH is not supported");
  }
  if (vi.unicast_src_ip) {
    p.primary_address = to_asio(*vi.unicast_src_ip);
  } else {
    const auto primary = host.primary_address ? host.primary_address(vi.interface, ipv6) : std::nullopt;
    if (!primary)
      fail(vi.location, what + ": interface " + vi.interface + " has no " +
                            (ipv6 ? "IPv6 link-local" : "IPv4") + " address to send adverts from (or does not exist)");
    p.primary_address = *primary;
  }
  for (const auto& peer : vi.unicast_peers) {
    if (peer.is_ipv4() == ipv6) fail(vi.location, what + ": unicast_peer " + peer.to_string() + " is of the other family");
    p.unicast_peers.push_back(to_asio(peer));
  }
  if (vi.unicast_peers.empty())
    p.multicast_group =
        to_asio(vi.multicast_group(global, ipv6 ? config::AddressFamily::ipv6 : config::AddressFamily::ipv4));

  s.use_vmac = vi.use_vmac;
  s.vmac_xmit_base = vi.vmac_xmit_base;
  s.vmac_name = vi.vmac_interface();
  const std::string vip_device = vi.use_vmac ? s.vmac_name : vi.interface;
  // Advertised: the configured VIPs of the instance's family. keepalived moves VIPs of the other
  // family out of the advert (they are still added) rather than refuse the instance.
  for (const auto& vip : vi.virtual_ipaddresses) {
    s.addresses.push_back(address_spec(vip, vip_device));
    if (vip.address.is_ipv4() != ipv6) p.virtual_addresses.push_back(to_asio(vip.address));
  }
  for (const auto& vip : vi.virtual_ipaddresses_excluded) s.addresses.push_back(address_spec(vip, vip_device));
  for (const auto& route : vi.virtual_routes) s.routes.push_back(route_spec(route, vip_device));
  for (const auto& rule : vi.virtual_rules) s.rules.push_back(rule_spec(rule));

  s.announce.delay = vi.garp_master_delay.value_or(global.vrrp_garp_master_delay);
  s.announce.repeat = vi.garp_master_repeat.value_or(global.vrrp_garp_master_repeat);
  s.announce.refresh = vi.garp_master_refresh;
  s.announce.refresh_repeat = kGarpRefreshRepeat;
  s.dont_track_primary = vi.dont_track_primary;
  s.notify = notify_commands(vi.notify, vi.keywords, vi.location, what, global, host);
  s.smtp_alert = config::effective_smtp_alert(vi.smtp_alert, global);

  for (const auto& tracked : vi.track_interfaces) {
    vrrp::TrackedObject object;
    object.id = {vrrp::TrackedKind::interface, tracked.name};
    object.weight = tracked.weight.value_or(0);
    object.reverse = tracked.reverse;
    p.tracked.push_back(object);
  }
  // `owner` names the block the track_script line is in: the instance's, or its sync group's.
  const auto track_script = [&](const config::TrackedScript& tracked, const std::string& owner) {
    const auto script = std::find_if(config.vrrp_scripts.begin(), config.vrrp_scripts.end(),
                                     [&](const config::VrrpScript& vs) { return vs.name == tracked.name; });
    if (script == config.vrrp_scripts.end())
      fail(tracked.location, owner + ": track_script " + tracked.name + " has no vrrp_script block");
    if (disabled_scripts.count(tracked.name)) {  // keepalived drops the tracking of a removed script
      spdlog::warn("{}:{}: {}: track_script {} is ignored: its script is disabled", tracked.location.file_name(),
                   tracked.location.line, owner, tracked.name);
      return;
    }
    vrrp::TrackedObject object;
    object.id = {vrrp::TrackedKind::script, tracked.name};
    object.weight = config::effective_weight(tracked, *script);
    object.reverse = tracked.reverse.value_or(script->weight_reverse);
    if (std::any_of(p.tracked.begin(), p.tracked.end(), [&](const auto& o) { return o.id == object.id; })) {
      spdlog::warn("{}:{}: {}: track_script {} is tracked by {} already; xdplb counts it once (keepalived "
                   "applies both lines)",
                   tracked.location.file_name(), tracked.location.line, owner, tracked.name, what);
      return;
    }
    p.tracked.push_back(object);
  };
  const auto track_file = [&](const config::TrackedFile& tracked, const std::string& owner) {
    const auto file = std::find_if(config.track_files.begin(), config.track_files.end(),
                                   [&](const config::TrackFile& f) { return f.name == tracked.name; });
    if (file == config.track_files.end())
      fail(tracked.location, owner + ": track_file " + tracked.name + " has no track_file block");
    vrrp::TrackedObject object;
    object.id = {vrrp::TrackedKind::file, tracked.name};
    object.weight = config::effective_weight(tracked, *file);
    object.reverse = tracked.reverse.value_or(file->weight_reverse);
    if (std::any_of(p.tracked.begin(), p.tracked.end(), [&](const auto& o) { return o.id == object.id; })) {
      spdlog::warn("{}:{}: {}: track_file {} is tracked by {} already; xdplb counts it once",
                   tracked.location.file_name(), tracked.location.line, owner, tracked.name, what);
      return;
    }
    p.tracked.push_back(object);
  };
  for (const auto& tracked : vi.track_scripts) track_script(tracked, what);
  for (const auto& tracked : vi.track_files) track_file(tracked, what);
  // keepalived: a vrrp_sync_group's track_script and track_file lines apply to each of its instances.
  for (const auto& group : config.sync_groups) {
    const bool member = std::any_of(group.members.begin(), group.members.end(),
                                    [&](const config::NamedReference& m) { return m.name == vi.name; });
    if (!member) continue;
    for (const auto& tracked : group.track_scripts) track_script(tracked, "vrrp_sync_group " + group.name);
    for (const auto& tracked : group.track_files) track_file(tracked, "vrrp_sync_group " + group.name);
  }
  try {
    const vrrp::VrrpInstance check(p);  // the state machine's own validation, with the file line
  } catch (const std::invalid_argument& e) {
    fail(vi.location, e.what());
  }
  return s;
}

}  // namespace

asio::ip::address to_asio(const config::IpAddress& address) {
  if (address.is_ipv4()) {
    asio::ip::address_v4::bytes_type b;
    std::copy_n(address.bytes.begin(), b.size(), b.begin());
    return asio::ip::address_v4(b);
  }
  asio::ip::address_v6::bytes_type b;
  std::copy_n(address.bytes.begin(), b.size(), b.begin());
  return asio::ip::address_v6(b);
}

vrrp::RouterSettings plan_vrrp(const config::Config& config, const VrrpHostFacts& host) {
  vrrp::RouterSettings out;
  const auto& global = config.global;
  // Scripts nobody tracks (no instance, no sync group) are not run, as keepalived does.
  std::set<std::string> disabled_scripts;
  for (const auto& vs : config.vrrp_scripts) {
    const auto names = [&](const std::vector<config::TrackedScript>& tracks) {
      return std::any_of(tracks.begin(), tracks.end(), [&](const config::TrackedScript& t) { return t.name == vs.name; });
    };
    const bool tracked =
        std::any_of(config.vrrp_instances.begin(), config.vrrp_instances.end(),
                    [&](const auto& vi) { return names(vi.track_scripts); }) ||
        std::any_of(config.sync_groups.begin(), config.sync_groups.end(),
                    [&](const auto& group) { return names(group.track_scripts); });
    if (!tracked) continue;
    const auto planned = plan_or_disable(vs.script, vs.user, vs.group, global, host,
                                         vs.keywords.at_or("script", vs.location),
                                         "vrrp_script " + vs.name);
    if (!planned) {
      disabled_scripts.insert(vs.name);
      continue;
    }
    vrrp::ScriptSettings script;
    script.name = vs.name;
    script.argv = planned->argv;
    script.interval = vs.interval;
    script.timeout = vs.timeout.value_or(vs.interval);
    script.rise = vs.rise;
    script.fall = vs.fall;
    script.uid = planned->identity.uid;
    script.gid = planned->identity.gid;
    out.scripts.push_back(std::move(script));
  }
  // Files nobody tracks are not watched, as keepalived does.
  for (const auto& file : config.track_files) {
    const auto names = [&](const std::vector<config::TrackedFile>& tracks) {
      return std::any_of(tracks.begin(), tracks.end(), [&](const config::TrackedFile& t) { return t.name == file.name; });
    };
    const bool tracked = std::any_of(config.vrrp_instances.begin(), config.vrrp_instances.end(),
                                     [&](const auto& vi) { return names(vi.track_files); }) ||
                         std::any_of(config.sync_groups.begin(), config.sync_groups.end(),
                                     [&](const auto& group) { return names(group.track_files); });
    if (tracked) out.track_files.push_back(vrrp::TrackFileSettings{file.name, file.file});
  }
  std::map<std::string, const config::VrrpInstance*> by_name;
  for (const auto& vi : config.vrrp_instances) {
    if (!by_name.emplace(vi.name, &vi).second) fail(vi.location, "vrrp_instance " + vi.name + " is defined twice");
    out.instances.push_back(plan_instance(config, vi, host, disabled_scripts));
  }
  for (const auto& group : config.sync_groups) {
    vrrp::SyncGroupSettings g;
    g.name = group.name;
    for (const auto& member : group.members) {
      if (!by_name.count(member.name))
        fail(member.location, "vrrp_sync_group " + group.name + ": no vrrp_instance named " + member.name);
      g.members.push_back(member.name);
    }
    g.notify = notify_commands(group.notify, group.keywords, group.location, "vrrp_sync_group " + group.name, global,
                               host);
    g.smtp_alert = config::effective_smtp_alert(group.smtp_alert, global);
    out.sync_groups.push_back(std::move(g));
  }
  // Every notify line carries its own user; this is the router's fallback for lines that would not.
  if (const auto identity =
          resolve_script_identity("", "", config::script_defaults(global), users_of(host)).identity)
    out.notify_as = run_as(*identity);
  for (const auto* fifo : {&global.notify_fifo, &global.vrrp_notify_fifo})
    if (!fifo->empty() && std::find(out.notify_fifos.begin(), out.notify_fifos.end(), *fifo) == out.notify_fifos.end())
      out.notify_fifos.push_back(*fifo);
  out.smtp.server = global.smtp_server;
  out.smtp.port = global.smtp_port;
  out.smtp.from = global.notification_email_from;
  out.smtp.to = global.notification_email;
  out.smtp.timeout = global.smtp_connect_timeout;
  out.smtp.router_id = global.router_id.empty() ? host.host_name : global.router_id;
  out.smtp.helo_name = host.host_name.empty() ? "localhost" : host.host_name;
  return out;
}

VrrpHostFacts system_host_facts() {
  VrrpHostFacts facts;
  facts.primary_address = [](const std::string& interface, bool ipv6) {
    vrrp::HostLinks links;
    return links.primary_address(interface, ipv6);
  };
  std::array<char, 256> name{};
  if (gethostname(name.data(), name.size() - 1) == 0) facts.host_name = name.data();
  return facts;
}

}  // namespace xdplb::agent
