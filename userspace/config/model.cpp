#include "config/model.h"

namespace xdplb::config {

LbAlgo effective_lb_algo(LbAlgo configured) {
  switch (configured) {
    case LbAlgo::mh:
    case LbAlgo::sh:
    case LbAlgo::rr:
    case LbAlgo::wrr: return configured;
    case LbAlgo::lc:
    case LbAlgo::wlc:
    case LbAlgo::lblc:
    case LbAlgo::lblcr:
    case LbAlgo::dh:
    case LbAlgo::sed:
    case LbAlgo::nq: break;
  }
  return LbAlgo::mh;
}

bool effective_smtp_alert(const std::optional<bool>& own, const GlobalDefs& global) {
  if (own) return *own;
  if (global.smtp_alert_vrrp) return *global.smtp_alert_vrrp;
  return global.smtp_alert.value_or(false);
}

AddressFamily VrrpInstance::family() const {
  if (!virtual_ipaddresses.empty()) return virtual_ipaddresses.front().address.family;
  if (native_ipv6) return AddressFamily::ipv6;
  if (mcast_dst_ip) return mcast_dst_ip->family;
  if (unicast_src_ip) return unicast_src_ip->family;
  if (!unicast_peers.empty()) return unicast_peers.front().family;
  return AddressFamily::ipv4;
}

std::string VrrpInstance::vmac_interface() const {
  if (!use_vmac) return {};
  return vmac_name.empty() ? "vrrp." + std::to_string(virtual_router_id) : vmac_name;
}

int VrrpInstance::effective_version(const GlobalDefs& global) const {
  if (family() != AddressFamily::ipv6) return version.value_or(global.vrrp_version);
  if (!version || effective_strict(global)) return 3;
  return *version;
}

GlobalDefs vrrp_view(GlobalDefs global) {
  const GlobalDefs defaults;
  global.xdp_interface = defaults.xdp_interface;
  global.xdp_mode = defaults.xdp_mode;
  global.xdp_conntrack_size = defaults.xdp_conntrack_size;
  global.xdp_conntrack_flood_rate = defaults.xdp_conntrack_flood_rate;
  global.notify_fifo_script = defaults.notify_fifo_script;
  global.vrrp_notify_fifo_script = defaults.vrrp_notify_fifo_script;
  global.lvs_notify_fifo = defaults.lvs_notify_fifo;
  global.lvs_notify_fifo_script = defaults.lvs_notify_fifo_script;
  return global;
}

const char* to_string(XdpMode mode) {
  switch (mode) {
    case XdpMode::native: return "native";
    case XdpMode::generic: return "generic";
    case XdpMode::best: return "best";
  }
  return "?";
}

const char* to_string(VrrpState state) {
  return state == VrrpState::master ? "MASTER" : "BACKUP";
}

const char* to_string(AuthType type) {
  switch (type) {
    case AuthType::none: return "none";
    case AuthType::pass: return "PASS";
    case AuthType::ah: return "AH";
  }
  return "?";
}

const char* to_string(LbAlgo algo) {
  switch (algo) {
    case LbAlgo::rr: return "rr";
    case LbAlgo::wrr: return "wrr";
    case LbAlgo::lc: return "lc";
    case LbAlgo::wlc: return "wlc";
    case LbAlgo::lblc: return "lblc";
    case LbAlgo::lblcr: return "lblcr";
    case LbAlgo::sh: return "sh";
    case LbAlgo::dh: return "dh";
    case LbAlgo::sed: return "sed";
    case LbAlgo::nq: return "nq";
    case LbAlgo::mh: return "mh";
  }
  return "?";
}

const char* to_string(LbKind kind) {
  switch (kind) {
    case LbKind::nat: return "NAT";
    case LbKind::dr: return "DR";
    case LbKind::tun: return "TUN";
  }
  return "?";
}

const char* to_string(Protocol protocol) {
  switch (protocol) {
    case Protocol::tcp: return "TCP";
    case Protocol::udp: return "UDP";
    case Protocol::sctp: return "SCTP";
  }
  return "?";
}

std::string service_name(const VirtualServer& server) {
  switch (server.kind) {
    case VirtualServerKind::address:
      return (server.address.is_ipv4() ? server.address.to_string()
                                       : "[" + server.address.to_string() + "]") +
             ":" + std::to_string(server.port) + "/" + to_string(server.protocol);
    case VirtualServerKind::fwmark:
      return "fwmark " + std::to_string(server.fwmark) + "/" + to_string(server.protocol);
    case VirtualServerKind::group: return "group " + server.group + "/" + to_string(server.protocol);
  }
  return "?";
}

}  // namespace xdplb::config
