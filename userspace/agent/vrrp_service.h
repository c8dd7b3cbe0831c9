// The agent's VRRP side: every vrrp_instance and vrrp_sync_group of the configuration running on the
// agent's event loop (elections, addresses, announcements, tracking, notify scripts). The agent asks
// it which addresses this node holds and hears every state change.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <asio/io_context.hpp>

#include "config/address.h"
#include "config/model.h"
#include "vrrp/fsm.h"

namespace xdplb::agent {

struct VrrpInstanceStatus {
  std::string name;
  std::string interface;
  unsigned virtual_router_id = 0;
  vrrp::State state = vrrp::State::initialize;
  int base_priority = 0;
  int effective_priority = 0;
  std::vector<std::string> virtual_addresses;
  std::chrono::system_clock::time_point last_transition{};
  vrrp::State last_transition_from = vrrp::State::initialize;  // the state it left
  std::string last_transition_reason;
  unsigned transitions = 0;
  // Received adverts dropped, by reason ("auth_password_mismatch", ...): every reason, zeros too,
  // so a metric series exists before its first drop.
  std::vector<std::pair<std::string, std::uint64_t>> adverts_dropped;
};

// What a reconfigure did with the changed instances.
struct VrrpReconfiguration {
  std::vector<std::string> updated_in_place;  // priority, advert_int, preemption, VIPs, weights: state kept
  std::vector<std::string> restarted;         // any other change
};

class VrrpService {
 public:
  using StateChangeHandler = std::function<void(const std::string& instance, vrrp::State state)>;

  // Throws std::runtime_error when the configuration cannot run here (interface missing, ...).
  static std::unique_ptr<VrrpService> create(asio::io_context& io, const config::Config& config,
                                             StateChangeHandler on_change);
  virtual ~VrrpService() = default;

  // Removes what a crashed earlier run left behind, then starts every instance.
  virtual void start() = 0;
  // Resigns (priority 0) where master, removes every address and link it added, runs notify_stop.
  virtual void stop() = 0;

  // Applies `next` in place, where only the vrrp_instances named in `changed` changed (or were
  // added/removed): the others keep their state, a changed one keeps it too when only what RFC 5798
  // lets change in a running router changed. nullopt (nothing changed) when that is not possible;
  // throws std::runtime_error when `next` cannot run here.
  virtual std::optional<VrrpReconfiguration> reconfigure(const config::Config& next,
                                                         const std::set<std::string>& changed) = 0;

  // True when `address` is a virtual_ipaddress of an instance that is MASTER now.
  virtual bool holds(const config::IpAddress& address) const = 0;
  // True when some vrrp_instance lists `address` (so it is served only while that instance is master).
  virtual bool manages(const config::IpAddress& address) const = 0;
  // The interface of the instance that lists `address`, or "" when none does.
  virtual std::string interface_of(const config::IpAddress& address) const = 0;

  virtual std::vector<VrrpInstanceStatus> status() const = 0;
};

}  // namespace xdplb::agent
