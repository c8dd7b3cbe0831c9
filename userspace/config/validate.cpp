#include "config/validate.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace xdplb::config {

namespace {

const char* family_name(AddressFamily family) {
  return family == AddressFamily::ipv4 ? "IPv4" : "IPv6";
}

std::string at(const SourceLocation& location) {
  return location.file_name() + ":" + std::to_string(location.line);
}

// Addresses a router can own and a server can listen on: not unspecified, multicast or broadcast.
std::optional<std::string> unusable_unicast(const IpAddress& address) {
  const auto& b = address.bytes;
  if (address.is_ipv4()) {
    if (b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == 0) return "the unspecified address";
    if (b[0] >= 224 && b[0] <= 239) return "a multicast address";
    if (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255) return "the broadcast address";
    return std::nullopt;
  }
  bool all_zero = true;
  for (auto byte : b) all_zero = all_zero && byte == 0;
  if (all_zero) return "the unspecified address";
  if (b[0] == 0xff) return "a multicast address";
  return std::nullopt;
}

void check_unicast(const IpAddress& address, std::string_view what, const SourceLocation& location,
                   Diagnostics& diagnostics) {
  if (const auto reason = unusable_unicast(address))
    diagnostics.error(location, std::string(what) + " " + address.to_string() + " is " + *reason);
}

bool is_link_local(const IpAddress& address) {
  return !address.is_ipv4() && address.bytes[0] == 0xfe && (address.bytes[1] & 0xc0) == 0x80;
}

// IPv6 and the VRRP version: keepalived 2.2.7 runs an IPv6 instance with no `version` of its own as
// VRRPv3; `version 2` with IPv6 is its non-standard VRRPv2-over-IPv6, which xdplb does not speak.
void validate_version_family(const VrrpInstance& instance, const GlobalDefs& global, Diagnostics& diagnostics) {
  const auto& k = instance.keywords;
  if (instance.native_ipv6 && !instance.virtual_ipaddresses.empty() &&
      instance.virtual_ipaddresses.front().address.is_ipv4())
    diagnostics.error(k.at_or("native_ipv6", instance.location),
                      "native_ipv6 cannot be used with IPv4 virtual addresses");
  if (instance.family() != AddressFamily::ipv6 || instance.version != 2) return;
  if (instance.effective_strict(global)) {
    diagnostics.warning(k.at_or("version", instance.location),
                        "cannot use IPv6 with VRRP version 2; strict mode runs version 3, as keepalived does");
  } else {
    diagnostics.error(k.at_or("version", instance.location),
                      "VRRP version 2 over IPv6 (keepalived's extension outside RFC 3768) is not implemented "
                      "by xdplb; remove `version 2` (an IPv6 instance then runs version 3) or write `version 3`");
  }
}

// keepalived's vrrp_strict / strict_mode rules (RFC 5798 compliance); keepalived reports each of these
// as a configuration error, so xdplb refuses them.
void validate_strict(const VrrpInstance& instance, const GlobalDefs& global, Diagnostics& diagnostics) {
  if (!instance.effective_strict(global)) return;
  const auto& k = instance.keywords;
  const auto where = [&](std::string_view keyword) {
    return k.at_or(std::string(keyword), k.at_or("strict_mode", instance.location));
  };
  const std::string why = " in strict mode (vrrp_strict or strict_mode)";
  if (instance.authentication.type != AuthType::none)
    diagnostics.error(where("authentication"), "authentication is not allowed" + why + " (RFC 5798 has none)");
  if (!instance.unicast_peers.empty())
    diagnostics.error(where("unicast_peer"), "unicast_peer is not allowed" + why);
  if ((instance.state == VrrpState::master) != (instance.priority == 255))
    diagnostics.error(where(instance.keywords.contains("state") ? "state" : "priority"),
                      "state MASTER must go with priority 255 (the address owner) and only with it" + why);
  if (instance.preempt_delay.count() != 0)
    diagnostics.error(where("preempt_delay"), "preempt_delay is not allowed" + why);
  if (instance.vmac_xmit_base) diagnostics.error(where("vmac_xmit_base"), "vmac_xmit_base is not allowed" + why);
  if (instance.accept.value_or(false) && instance.priority != 255 && instance.effective_version(global) == 2)
    diagnostics.error(where("accept"), "accept mode with VRRP version 2 does not comply with RFC 3768" + why);
  if (instance.family() == AddressFamily::ipv6 && instance.unicast_peers.empty() &&
      !instance.virtual_ipaddresses.empty() && !is_link_local(instance.virtual_ipaddresses.front().address))
    diagnostics.error(instance.virtual_ipaddresses.front().location,
                      "the first IPv6 virtual address must be link-local" + why);
}

void validate_instance(const VrrpInstance& instance, const GlobalDefs& global, Diagnostics& diagnostics) {
  const int version = instance.effective_version(global);
  const auto& k = instance.keywords;

  // RFC 3768/5798: 255 means the router owns the virtual addresses, so it is master from the start.
  if (instance.priority == 255 && instance.state != VrrpState::master) {
    diagnostics.error(k.at_or("priority", instance.location),
                      "priority 255 is reserved for the address owner, which must have state MASTER");
  }
  if (instance.priority == 255 && instance.nopreempt) {
    diagnostics.error(k.at_or("nopreempt", instance.location),
                      "the address owner (priority 255) always preempts; nopreempt contradicts it");
  }
  if (instance.nopreempt && instance.state == VrrpState::master) {
    diagnostics.keepalived_warning(k.at_or("nopreempt", instance.location),
                        "nopreempt only works with state BACKUP; a MASTER start still takes over");
  }

  const auto advert = instance.advert_int.count();
  if (version == 2 && (advert % 1000 != 0 || advert < 1000 || advert > 255000)) {
    diagnostics.error(k.at_or("advert_int", instance.location),
                      "advert_int must be a whole number of seconds from 1 to 255 for VRRP version 2");
  } else if (version == 3 && (advert % 10 != 0 || advert < 10 || advert > 40950)) {
    diagnostics.error(k.at_or("advert_int", instance.location),
                      "advert_int must be from 0.01 to 40.95 seconds in hundredths for VRRP version 3");
  }

  if (instance.virtual_ipaddresses.empty()) {
    // keepalived drops such an instance under VRRPv3 or strict mode; it only warns under VRRPv2.
    if ((version == 3 || instance.effective_strict(global)) && !instance.keywords.contains("virtual_ipaddress"))
      diagnostics.error(instance.location, "vrrp_instance " + instance.name +
                                               " has no virtual_ipaddress; VRRP version 3 and strict mode need one");
    else
      diagnostics.keepalived_warning(instance.location, "vrrp_instance " + instance.name + " has no virtual_ipaddress");
  }
  validate_version_family(instance, global, diagnostics);
  validate_strict(instance, global, diagnostics);
  const AddressFamily family = instance.family();
  for (const auto& vip : instance.virtual_ipaddresses) {
    check_unicast(vip.address, "virtual address", vip.location, diagnostics);
    if (version == 2 && !vip.address.is_ipv4()) {
      diagnostics.error(vip.location, "VRRP version 2 carries IPv4 addresses only; use version 3 for " +
                                          vip.address.to_string());
    } else if (vip.address.family != family) {
      diagnostics.error(vip.location,
                        "virtual address " + vip.address.to_string() + " is " +
                            family_name(vip.address.family) + " but vrrp_instance " + instance.name + " is " +
                            family_name(family) +
                            "; put the other family in virtual_ipaddress_excluded or another instance");
    }
  }
  for (const auto& vip : instance.virtual_ipaddresses_excluded)
    check_unicast(vip.address, "virtual address", vip.location, diagnostics);

  if (instance.unicast_src_ip) {
    const auto& location = k.at_or("unicast_src_ip", instance.location);
    check_unicast(*instance.unicast_src_ip, "unicast_src_ip", location, diagnostics);
    if (instance.unicast_src_ip->family != family)
      diagnostics.error(location, "unicast_src_ip " + instance.unicast_src_ip->to_string() + " is " +
                                      family_name(instance.unicast_src_ip->family) + " but the instance advertises " +
                                      family_name(family));
  }
  for (const auto& peer : instance.unicast_peers) {
    const auto& location = k.at_or("unicast_peer", instance.location);
    check_unicast(peer, "unicast_peer", location, diagnostics);
    if (peer.family != family) {
      diagnostics.error(location, "unicast_peer " + peer.to_string() + " is " + family_name(peer.family) +
                                      " but the instance advertises " + family_name(family));
    }
  }

  if (instance.mcast_dst_ip) {
    const auto& location = k.at_or("mcast_dst_ip", instance.location);
    const auto& group = *instance.mcast_dst_ip;
    if (!instance.unicast_peers.empty())
      diagnostics.error(location, "mcast_dst_ip " + group.to_string() +
                                      " is for multicast adverts, but the instance sends to its unicast_peer");
    else if (group.family != family)
      diagnostics.error(location, "mcast_dst_ip " + group.to_string() + " is " + family_name(group.family) +
                                      " but the instance advertises " + family_name(family));
  }

  const auto& auth_location = k.at_or("authentication", instance.location);
  if (instance.authentication.type == AuthType::pass && instance.authentication.password.empty()) {
    diagnostics.error(k.at_or("auth_type", auth_location), "auth_type PASS needs an auth_pass");
  }
  if (instance.authentication.type != AuthType::none && version == 3) {
    diagnostics.keepalived_warning(auth_location, "VRRP version 3 has no authentication (RFC 5798); it is ignored");
  } else if (instance.authentication.type == AuthType::ah && !instance.effective_strict(global)) {
    diagnostics.error(k.at_or("auth_type", auth_location),
                      "auth_type AH (IPsec AH in VRRPv2, RFC 2338) is not implemented by xdplb; use auth_type "
                      "PASS or no authentication on every router of the instance");
  }
  // keepalived enforces no_accept with nftables rules that drop what is addressed to the virtual
  // addresses while the router is not their owner; xdplb installs no such rules.
  const bool accept = instance.accept.value_or(instance.priority == 255 || !instance.effective_strict(global));
  if (!accept && instance.priority != 255)
    diagnostics.warning(k.at_or("no_accept", k.at_or("strict_mode", instance.location)),
                        "no_accept (the default in strict mode) is not enforced by xdplb: it installs no firewall "
                        "rules, so the host accepts traffic to the virtual addresses while MASTER");
}

void validate_vrrp(const Config& config, Diagnostics& diagnostics) {
  std::map<std::string, const VrrpScript*> scripts;
  for (const auto& script : config.vrrp_scripts) {
    if (!scripts.emplace(script.name, &script).second)
      diagnostics.error(script.location, "vrrp_script " + script.name + " is defined twice");
  }
  std::set<std::string> used_scripts;
  const auto check_tracks = [&](const std::vector<TrackedScript>& tracks) {
    for (const auto& track : tracks) {
      used_scripts.insert(track.name);
      if (!scripts.contains(track.name))
        diagnostics.error(track.location, "track_script '" + track.name + "' names no vrrp_script");
    }
  };

  std::map<std::string, const VrrpInstance*> instances;
  // (interface, family, VRID) -> the instance that took it first.
  std::map<std::tuple<std::string, AddressFamily, int>, const VrrpInstance*> routers;
  for (const auto& instance : config.vrrp_instances) {
    if (!instances.emplace(instance.name, &instance).second)
      diagnostics.error(instance.location, "vrrp_instance " + instance.name + " is defined twice");
    validate_instance(instance, config.global, diagnostics);
    check_tracks(instance.track_scripts);
    if (instance.virtual_router_id == 0 || instance.interface.empty()) continue;
    const auto key =
        std::make_tuple(instance.interface, instance.family(), int{instance.virtual_router_id});
    const auto [existing, inserted] = routers.emplace(key, &instance);
    if (!inserted) {
      diagnostics.error(instance.keywords.at_or("virtual_router_id", instance.location),
                        "virtual_router_id " + std::to_string(instance.virtual_router_id) + " on " +
                            instance.interface + " (" + family_name(std::get<1>(key)) +
                            ") is already used by " + "vrrp_instance " + existing->second->name + " at " +
                            at(existing->second->location));
    }
  }

  std::map<std::string, const VrrpSyncGroup*> member_of;
  std::set<std::string> group_names;
  for (const auto& group : config.sync_groups) {
    if (!group_names.insert(group.name).second)
      diagnostics.error(group.location, "vrrp_sync_group " + group.name + " is defined twice");
    check_tracks(group.track_scripts);
    if (group.members.size() == 1)
      diagnostics.keepalived_warning(group.location, "vrrp_sync_group " + group.name +
                                                         " has only one vrrp_instance: it synchronises nothing "
                                                         "(keepalived 2.2.7 reports this too)");
    for (const auto& member : group.members) {
      if (!instances.contains(member.name)) {
        diagnostics.error(member.location, "vrrp_sync_group " + group.name + " member '" + member.name +
                                               "' names no vrrp_instance");
        continue;
      }
      const auto [existing, inserted] = member_of.emplace(member.name, &group);
      if (!inserted) {
        diagnostics.error(member.location, "vrrp_instance " + member.name +
                                               " is already in vrrp_sync_group " + existing->second->name);
      }
    }
  }

  for (const auto& script : config.vrrp_scripts) {
    if (!used_scripts.contains(script.name))
      diagnostics.warning(script.location, "vrrp_script " + script.name + " is not tracked by any instance");
  }
}


// keepalived 2.2.7: "... and real server ... ports don't match": DR and TUN keep the packet's port.
void warn_port_not_used(const RealServer& real, LbKind kind, std::uint16_t kept, const std::string& whose,
                        Diagnostics& diagnostics) {
  diagnostics.keepalived_warning(real.location, std::string(to_string(kind)) + " forwarding keeps the destination port " +
                                                    std::to_string(kept) + whose + "; real_server port " +
                                                    std::to_string(real.port) + " is not used");
}

void validate_real_servers(const VirtualServer& server, Diagnostics& diagnostics) {
  if (server.real_servers.empty()) {
    diagnostics.keepalived_warning(server.location, "virtual_server " + service_name(server) + " has no real_server");
  }
  std::map<std::pair<std::string, int>, const RealServer*> seen;
  for (const auto& real : server.real_servers) {
    check_unicast(real.address, "real_server", real.location, diagnostics);
    const auto [existing, inserted] =
        seen.emplace(std::make_pair(real.address.to_string(), int{real.port}), &real);
    if (!inserted) {
      diagnostics.error(real.location, "real_server " + real.address.to_string() + " port " +
                                           std::to_string(real.port) + " is already defined at " +
                                           at(existing->second->location));
    }
    if (server.kind == VirtualServerKind::address && real.address.family != server.address.family &&
        server.lb_kind != LbKind::tun) {
      diagnostics.error(real.location, std::string("real_server ") + real.address.to_string() + " is " +
                                           family_name(real.address.family) + " but " +
                                           to_string(server.lb_kind) +
                                           " forwarding needs the virtual server's family (" +
                                           family_name(server.address.family) + ")");
    }
    if (server.kind == VirtualServerKind::address && server.lb_kind != LbKind::nat && real.port != server.port) {
      warn_port_not_used(real, server.lb_kind, server.port, "", diagnostics);
    }
    if (real.checkers.empty()) {
      diagnostics.warning(real.location, "real_server " + real.address.to_string() +
                                             " has no health checker; it is always considered up");
    }
  }
}

// The same for a DR or TUN service of a group, against the group's entries.
void warn_group_port_mismatch(const VirtualServer& server, const VirtualServerGroup& group, Diagnostics& diagnostics) {
  for (const auto& real : server.real_servers) {
    const auto differs = std::find_if(group.entries.begin(), group.entries.end(), [&](const VirtualServerGroupEntry& e) {
      return !e.is_fwmark && e.port != 0 && e.port != real.port;
    });
    if (differs == group.entries.end()) continue;
    warn_port_not_used(real, server.lb_kind, differs->port, " of virtual_server_group " + group.name, diagnostics);
  }
}

void validate_virtual_servers(const Config& config, Diagnostics& diagnostics) {
  std::set<std::string> groups;
  for (const auto& group : config.virtual_server_groups) {
    if (!groups.insert(group.name).second)
      diagnostics.error(group.location, "virtual_server_group " + group.name + " is defined twice");
    for (const auto& entry : group.entries)
      if (!entry.is_fwmark)
        check_unicast(entry.first, "virtual_server_group address", entry.location, diagnostics);
  }
  std::map<std::string, const VirtualServer*> services;
  for (const auto& server : config.virtual_servers) {
    if (server.kind == VirtualServerKind::group && !groups.contains(server.group)) {
      diagnostics.error(server.location,
                        "virtual_server group '" + server.group + "' names no virtual_server_group");
    }
    if (server.kind == VirtualServerKind::address)
      check_unicast(server.address, "virtual_server", server.location, diagnostics);
    const auto [existing, inserted] = services.emplace(service_name(server), &server);
    if (!inserted) {
      diagnostics.error(server.location, "virtual_server " + service_name(server) +
                                             " is already defined at " + at(existing->second->location));
    }
    validate_real_servers(server, diagnostics);
    if (server.kind == VirtualServerKind::group && server.lb_kind != LbKind::nat)
      if (const auto group = std::find_if(config.virtual_server_groups.begin(), config.virtual_server_groups.end(),
                                          [&](const VirtualServerGroup& g) { return g.name == server.group; });
          group != config.virtual_server_groups.end())
        warn_group_port_mismatch(server, *group, diagnostics);
  }
}

// Every track_file named by a vrrp_instance, a vrrp_sync_group or a FILE_CHECK exists, once; an
// address owner only tracks with weight 0 (keepalived: its priority cannot move).
void validate_track_files(const Config& config, Diagnostics& diagnostics) {
  std::map<std::string, const TrackFile*> files;
  for (const auto& file : config.track_files)
    if (!files.emplace(file.name, &file).second)
      diagnostics.error(file.location, "track_file " + file.name + " is defined twice");
  std::set<std::string> used;
  const auto check_reference = [&](const std::string& name, const SourceLocation& where) {
    used.insert(name);
    if (!files.contains(name)) diagnostics.error(where, "track_file '" + name + "' names no track_file block");
  };
  for (const auto& instance : config.vrrp_instances) {
    for (const auto& track : instance.track_files) {
      check_reference(track.name, track.location);
      const auto file = files.find(track.name);
      const int weight = track.weight.value_or(file == files.end() ? 0 : file->second->weight);
      if (instance.priority == 255 && weight != 0)
        diagnostics.error(track.location, "vrrp_instance " + instance.name + " is the address owner (priority 255): "
                                          "its track_file " + track.name + " needs weight 0");
    }
  }
  for (const auto& group : config.sync_groups)
    for (const auto& track : group.track_files) check_reference(track.name, track.location);
  for (const auto& server : config.virtual_servers)
    for (const auto& real : server.real_servers)
      for (const auto& checker : real.checkers)
        if (const auto* file_check = std::get_if<FileCheck>(&checker))
          if (!file_check->track_file.empty()) check_reference(file_check->track_file, file_check->location);
  for (const auto& file : config.track_files)
    if (!used.contains(file.name))
      diagnostics.warning(file.location, "track_file " + file.name + " is not tracked by any instance, sync group or "
                                         "FILE_CHECK; its file is not watched");
}

}  // namespace

void validate(const Config& config, Diagnostics& diagnostics) {
  validate_track_files(config, diagnostics);
  validate_vrrp(config, diagnostics);
  validate_virtual_servers(config, diagnostics);
}

}  // namespace xdplb::config
