// The desired state of the data plane: which VIPs are served, how, and by which backends.
// The agent computes it from the configuration, the health checks and the VRRP state; the
// Dataplane turns it into map writes (Dataplane::sync).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/address.h"

namespace xdplb::dataplane {

enum class Algorithm : std::uint8_t {
  maglev,       // mh: 5-tuple hash over the Maglev ring (the default)
  source_hash,  // sh: client-address hash over the Maglev ring
  rotation,     // rr / wrr: weighted rotation order
};

enum class ForwardMethod : std::uint8_t {
  dr,   // MACs rewritten; the server answers the client itself
  nat,  // destination rewritten to address:port; replies come back through this node
};

const char* to_string(ForwardMethod f);

struct BackendSpec {
  config::IpAddress address;
  std::uint16_t port = 0;    // real server port (DR keeps the VIP's port on the wire; NAT: 0 keeps the client's)
  std::uint32_t weight = 1;  // 0: stays in service for its established flows, gets no new ones
  ForwardMethod forward = ForwardMethod::dr;
  // NAT: the configuration puts this (address, port, protocol) behind more than one VIP, so its
  // replies are told apart by per-flow state (xdplb_nat_conntrack), even while only one VIP uses it.
  bool nat_shared = false;

  // Stable identity on every node: "198.18.0.11:80", "[fd00::11]:80".
  std::string key() const;
  friend bool operator==(const BackendSpec&, const BackendSpec&) = default;
};

// What a backend is to its VIP. The sorry server is a backend of its own (its own id, record and
// counters) even at the address and port of one of the VIP's real servers.
enum class BackendRole : std::uint8_t { real_server, sorry_server };

// Which backend of a VIP: how the Dataplane keys the backends it installed, and how status()
// names them.
struct BackendKey {
  BackendKey(BackendRole backend_role, const config::IpAddress& backend_address, std::uint16_t backend_port);
  BackendKey(BackendRole backend_role, const BackendSpec& spec)
      : BackendKey(backend_role, spec.address, spec.port) {}

  BackendRole role;
  config::IpAddress address;  // the address alone: its prefix is set to the host length
  std::uint16_t port;

  // "198.18.0.11:80", "[fd00::11]:80", whatever the role: BackendSpec::key() of its spec.
  std::string endpoint() const;
  friend auto operator<=>(const BackendKey&, const BackendKey&) = default;
};

// "198.18.0.11:80", "sorry 198.18.0.99:80": a backend as the operator reads it (metrics labels,
// verify findings, log lines), the sorry server set apart from a real server at the same endpoint.
std::string to_string(const BackendKey& key);

struct VipSpec {
  config::IpAddress address;
  std::uint16_t port = 0;         // 0: every port of the address
  std::uint8_t protocol = 6;      // IPPROTO_TCP / IPPROTO_UDP
  Algorithm algorithm = Algorithm::maglev;
  std::uint32_t ring_size = 65537;
  std::uint32_t persistence_timeout = 0;  // seconds; 0 = no client affinity
  bool active = true;             // false: known but passed to the stack (this node is backup)
  std::vector<BackendSpec> backends;      // every backend in service (healthy, or inhibited at weight 0)
  std::optional<BackendSpec> sorry_server;

  // "tcp/198.18.0.100:80", "udp/[fd00::100]:53", "tcp/198.18.0.100:*".
  std::string key() const;
  // Same scheduler, ring size and backends (with weights): the parts a ring is built from.
  bool same_ring_inputs(const VipSpec& other) const {
    return algorithm == other.algorithm && ring_size == other.ring_size && backends == other.backends;
  }
};

std::string to_string(Algorithm a);

// "198.18.0.11:80", "[fd00::11]:80" ("...:*" with any_port): how every key here writes an endpoint.
std::string endpoint_text(const config::IpAddress& address, std::uint16_t port, bool any_port = false);
// "tcp", "udp", "ip" (any other protocol): the prefix of VipSpec::key().
std::string protocol_name(std::uint8_t protocol);

}  // namespace xdplb::dataplane
