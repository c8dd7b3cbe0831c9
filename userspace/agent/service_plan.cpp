#include "agent/service_plan.h"

#include <spdlog/fmt/fmt.h>

#include "config/checker_timing.h"

namespace xdplb::agent {

namespace {

// A warning about what the configuration asks and the data plane will not do, where it was asked.
config::Diagnostic not_served(const config::SourceLocation& where, std::string message) {
  return {config::Severity::warning, where.file_name(), where.line, where.column, std::move(message)};
}

dataplane::Algorithm algorithm_of(config::LbAlgo algo) {
  switch (config::effective_lb_algo(algo)) {
    case config::LbAlgo::sh: return dataplane::Algorithm::source_hash;
    case config::LbAlgo::rr:
    case config::LbAlgo::wrr: return dataplane::Algorithm::rotation;
    default: return dataplane::Algorithm::maglev;
  }
}

std::uint8_t protocol_number(config::Protocol p) { return p == config::Protocol::udp ? 17 : 6; }

dataplane::VipSpec vip_template(const config::VirtualServer& vs, const config::IpAddress& address,
                                std::uint16_t port) {
  dataplane::VipSpec v;
  v.address = address;
  v.address.prefix_length = address.max_prefix_length();
  v.address.has_prefix = false;
  v.port = port;
  v.protocol = protocol_number(vs.protocol);
  v.algorithm = algorithm_of(vs.lb_algo);
  v.ring_size = vs.xdp_ring_size;
  if (vs.persistence_timeout)
    v.persistence_timeout =
        static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(*vs.persistence_timeout).count());
  return v;
}

// The addresses a virtual_server serves: its own, or every address entry of its group.
std::vector<dataplane::VipSpec> vips_of(const config::Config& config, const config::VirtualServer& vs,
                                        std::vector<config::Diagnostic>& warnings) {
  std::vector<dataplane::VipSpec> out;
  if (vs.kind == config::VirtualServerKind::address) {
    out.push_back(vip_template(vs, vs.address, vs.port));
    return out;
  }
  if (vs.kind == config::VirtualServerKind::fwmark) {
    warnings.push_back(not_served(vs.location, fmt::format("virtual_server fwmark {} is not served: XDP runs before "
                                                           "netfilter marks packets",
                                                           vs.fwmark)));
    return out;
  }
  for (const auto& group : config.virtual_server_groups) {
    if (group.name != vs.group) continue;
    for (const auto& e : group.entries) {
      if (e.is_fwmark) {
        warnings.push_back(not_served(e.location, fmt::format("fwmark entry of virtual_server_group {} is not served",
                                                              group.name)));
        continue;
      }
      // The parser bounds a range to XDPLB_MAX_VIPS addresses.
      for (config::IpAddress a = e.first;; a = config::next_address(a)) {
        out.push_back(vip_template(vs, a, e.port));
        if (a.bytes == e.last.bytes) break;
      }
    }
  }
  return out;
}

std::string service_name(const config::VirtualServer& vs, const std::vector<dataplane::VipSpec>& vips) {
  if (vs.kind == config::VirtualServerKind::group) return "group/" + vs.group + "/" + config::to_string(vs.protocol);
  return vips.front().key();
}

// A NAT server's replies name no VIP: the reverse table tells them by (address, port, protocol). One
// such endpoint behind several VIPs needs per-flow state, which a node that takes over lacks: every
// node marks it the same way (from the configuration, not the health of the moment) and -t says so.
void mark_shared_nat_servers(const config::Config& config, ServicePlan& plan) {
  struct Behind {
    std::set<std::string> vips;
    const config::SourceLocation* first = nullptr;
  };
  std::map<std::string, Behind> behind;  // "tcp/198.18.0.11:8080" -> VIP keys
  auto endpoint = [](const dataplane::VipSpec& vip, const dataplane::BackendSpec& b) {
    return dataplane::protocol_name(vip.protocol) + "/" + b.key();
  };
  for (const auto& service : plan.services) {
    const auto& vs = config.virtual_servers[service.config_index];
    for (const auto& vip : service.vips) {
      for (const auto& planned : service.planned_real_servers) {
        if (planned.backend.forward != dataplane::ForwardMethod::nat) continue;
        auto& e = behind[endpoint(vip, planned.backend)];
        e.vips.insert(vip.key());
        if (!e.first) e.first = &vs.real_servers[planned.config_index].location;
      }
      if (service.sorry_server && service.sorry_server->forward == dataplane::ForwardMethod::nat) {
        auto& e = behind[endpoint(vip, *service.sorry_server)];
        e.vips.insert(vip.key());
        if (!e.first) e.first = &vs.location;
      }
    }
  }
  for (auto& service : plan.services) {
    for (const auto& vip : service.vips) {
      for (auto& planned : service.planned_real_servers)
        if (planned.backend.forward == dataplane::ForwardMethod::nat)
          planned.backend.nat_shared = behind[endpoint(vip, planned.backend)].vips.size() > 1;
      if (service.sorry_server && service.sorry_server->forward == dataplane::ForwardMethod::nat)
        service.sorry_server->nat_shared = behind[endpoint(vip, *service.sorry_server)].vips.size() > 1;
    }
    for (auto& [name, b] : service.real_servers)
      for (const auto& planned : service.planned_real_servers)
        if (planned.backend.key() == name) b.nat_shared = planned.backend.nat_shared;
  }
  for (const auto& [name, e] : behind) {
    if (e.vips.size() < 2) continue;
    std::string list;
    for (const auto& v : e.vips) list += (list.empty() ? "" : ", ") + v;
    plan.warnings.push_back(not_served(*e.first, fmt::format("NAT real_server {} is behind {} VIPs ({}): replies need "
                                                             "conntrack; they do not survive failover until state sync",
                                                             name, e.vips.size(), list)));
  }
}

}  // namespace

ServicePlan plan_services(const config::Config& config) {
  ServicePlan plan;
  for (std::size_t i = 0; i < config.virtual_servers.size(); ++i) {
    const auto& vs = config.virtual_servers[i];
    if (vs.protocol == config::Protocol::sctp) {
      plan.warnings.push_back(
          not_served(vs.location, "virtual_server is not served: protocol SCTP is not implemented (TCP and UDP are)"));
      continue;
    }
    if (vs.lb_kind == config::LbKind::tun) {
      plan.warnings.push_back(not_served(vs.location, "virtual_server is not served: lb_kind TUN is not "
                                                      "implemented yet (DR and NAT are)"));
      continue;
    }
    const auto forward = vs.lb_kind == config::LbKind::nat ? dataplane::ForwardMethod::nat : dataplane::ForwardMethod::dr;
    Service s;
    s.config_index = i;
    s.vips = vips_of(config, vs, plan.warnings);
    if (s.vips.empty()) continue;
    s.name = service_name(vs, s.vips);
    s.rotation_ignores_weights = config::effective_lb_algo(vs.lb_algo) == config::LbAlgo::rr;
    s.rules.name = s.name;
    s.rules.quorum = vs.quorum;
    s.rules.hysteresis = vs.hysteresis;
    s.rules.notify_quorum_up = vs.quorum_up.command;
    s.rules.notify_quorum_down = vs.quorum_down.command;
    s.rules.omega = vs.omega;
    s.planned_real_servers.reserve(vs.real_servers.size());
    s.rules.real_servers.reserve(vs.real_servers.size());
    for (std::size_t rs_index = 0; rs_index < vs.real_servers.size(); ++rs_index) {
      const auto& rs = vs.real_servers[rs_index];
      dataplane::BackendSpec b;
      b.address = rs.address;
      b.address.prefix_length = rs.address.max_prefix_length();
      b.address.has_prefix = false;
      b.port = rs.port ? rs.port : vs.port;
      b.weight = rs.weight;
      b.forward = forward;
      const std::string name = b.key();
      if (!s.real_servers.emplace(name, b).second) {
        plan.warnings.push_back(not_served(rs.location, fmt::format("real_server {} listed twice in one "
                                                                    "virtual_server; the first one counts",
                                                                    name)));
        continue;
      }
      s.planned_real_servers.push_back({b, rs_index});
      check::RealServerRules r;
      r.name = name;
      r.weight = rs.weight;
      r.inhibit_on_failure = config::effective_inhibit_on_failure(vs, rs);
      r.notify_up = rs.notify_up.command;
      r.notify_down = rs.notify_down.command;
      // keepalived: a server without checkers is always up; alpha starts checked servers down.
      r.initially_up = !config::starts_down(vs, rs);
      s.rules.real_servers.push_back(std::move(r));
    }
    if (vs.sorry_server) {
      dataplane::BackendSpec b;
      b.address = vs.sorry_server->address;
      b.address.prefix_length = b.address.max_prefix_length();
      b.address.has_prefix = false;
      b.port = vs.sorry_server->port ? vs.sorry_server->port : vs.port;
      b.forward = forward;
      s.sorry_server = b;
      s.rules.sorry_server = check::SorryServerRules{b.key(), 1};  // check::Backend::sorry sets it apart
    }
    plan.services.push_back(std::move(s));
  }
  mark_shared_nat_servers(config, plan);
  return plan;
}

DrainSet drains_in_plan(const DrainSet& drained, const ServicePlan& plan) {
  DrainSet kept;
  for (const auto& d : drained)
    for (const auto& s : plan.services)
      for (const auto& v : s.vips)
        if (v.key() == d.first && s.real_servers.count(d.second)) kept.insert(d);
  return kept;
}

std::vector<dataplane::VipSpec> desired_vips(const ServicePlan& plan, const check::HealthySet& health,
                                             const AddressActive& active, const DrainSet& drained) {
  std::vector<dataplane::VipSpec> out;
  for (const auto& service : plan.services) {
    const auto& state = health.state(service.name);
    std::vector<dataplane::BackendSpec> backends;
    std::optional<dataplane::BackendSpec> sorry;
    if (state.in_service) {
      for (const auto& b : state.backends) {
        if (b.sorry) {
          sorry = service.sorry_server;
          continue;
        }
        auto spec = service.planned_real_servers.at(b.index).backend;
        spec.weight = service.rotation_ignores_weights && b.weight > 0 ? 1 : b.weight;
        backends.push_back(spec);
      }
    }
    for (auto vip : service.vips) {
      vip.active = active(vip.address);
      vip.backends = backends;
      for (auto& b : vip.backends)
        if (drained.count({vip.key(), b.key()})) b.weight = 0;  // flows stay, no new ones
      vip.sorry_server = sorry;
      out.push_back(std::move(vip));
    }
  }
  return out;
}

}  // namespace xdplb::agent
