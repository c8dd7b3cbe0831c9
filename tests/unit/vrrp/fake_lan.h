// A fake clock and a fake LAN for state-machine tests. It plays the part of the I/O adapter:
// keeps one timer per TimerKind per router, fires them in time order, and carries every advert
// a router sends through the real codec (encode, then decode with TTL 255) to the other routers,
// addressed to the sender's multicast group.
#pragma once

#include "vrrp/fsm.h"
#include "vrrp/packet.h"

#include <doctest/doctest.h>

#include <array>
#include <deque>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

namespace xdplb::vrrp::test {

struct Router {
  explicit Router(InstanceParameters parameters) : vrrp(std::move(parameters)) {}

  VrrpInstance vrrp;
  std::array<std::optional<TimePoint>, 2> timers;
  bool connected = true;  // false: its adverts are lost and it hears nothing
  std::vector<std::pair<TimePoint, Advertisement>> sent;
  std::vector<std::pair<TimePoint, StateChange>> changes;
  std::vector<AdvertDiscarded> discarded;
  std::vector<AdvertWarning> warnings;
  std::vector<PriorityChanged> priority_changes;

  std::optional<TimePoint>& timer(TimerKind kind) { return timers[static_cast<size_t>(kind)]; }
  State state() const { return vrrp.state(); }
  // When the router last became `state`, if ever.
  std::optional<TimePoint> entered(State state) const {
    std::optional<TimePoint> at;
    for (const auto& [when, change] : changes)
      if (change.to == state) at = when;
    return at;
  }
};

class FakeLan {
 public:
  TimePoint now = TimePoint(std::chrono::hours(1));

  Router& add(InstanceParameters parameters) { return routers_.emplace_back(std::move(parameters)); }

  void start(Router& router) { apply(router, router.vrrp.start(now)); }
  void shutdown(Router& router) { apply(router, router.vrrp.shutdown(now)); }

  // Delivers an advert as if `source` had sent it to `router` (through the codec), to the
  // router's multicast group (RFC 5798's of the source's family when that is not the router's)
  // unless `destination` says otherwise.
  void inject(Router& router, const Advertisement& advert, const IpAddress& source,
              std::optional<IpAddress> destination = std::nullopt) {
    const auto& parameters = router.vrrp.parameters();
    const bool same_family = source.is_v6() == parameters.primary_address.is_v6();
    const IpAddress to =
        destination.value_or(same_family ? multicast_group_of(parameters) : vrrp_multicast_group(source.is_v6()));
    pending_.push_back({&router, encode_advertisement(advert, source, to), source, to});
    drain();
  }

  void run_for(Clock::duration span) { run_until(now + span); }

  void run_until(TimePoint end) {
    for (;;) {
      Router* next_router = nullptr;
      TimerKind next_kind = TimerKind::master_down;
      std::optional<TimePoint> next_at;
      for (auto& router : routers_)
        for (TimerKind kind : {TimerKind::master_down, TimerKind::advertisement})
          if (const auto& at = router.timer(kind); at && *at <= end && (!next_at || *at < *next_at)) {
            next_at = at;
            next_router = &router;
            next_kind = kind;
          }
      if (!next_router) break;
      now = *next_at;
      next_router->timer(next_kind).reset();
      apply(*next_router, next_router->vrrp.on_timer_expired(next_kind, now));
    }
    now = end;
  }

  void apply(Router& router, const Actions& actions) {
    for (const auto& action : actions) {
      if (const auto* send = std::get_if<SendAdvertisement>(&action)) {
        router.sent.emplace_back(now, send->advert);
        if (router.connected) {
          // One segment: every router hears every group; each instance's own check keeps its group.
          const IpAddress source = router.vrrp.parameters().primary_address;
          const IpAddress group = multicast_group_of(router.vrrp.parameters());
          const auto bytes = encode_advertisement(send->advert, source, group);
          for (auto& other : routers_)
            if (&other != &router && other.connected) pending_.push_back({&other, bytes, source, group});
        }
      } else if (const auto* arm = std::get_if<ArmTimer>(&action)) {
        CHECK(arm->deadline >= now);  // a timer is never armed in the past
        router.timer(arm->timer) = arm->deadline;
      } else if (const auto* cancel = std::get_if<CancelTimer>(&action)) {
        router.timer(cancel->timer).reset();
      } else if (const auto* change = std::get_if<StateChange>(&action)) {
        router.changes.emplace_back(now, *change);
      } else if (const auto* discarded = std::get_if<AdvertDiscarded>(&action)) {
        router.discarded.push_back(*discarded);
      } else if (const auto* warning = std::get_if<AdvertWarning>(&action)) {
        router.warnings.push_back(*warning);
      } else if (const auto* priority = std::get_if<PriorityChanged>(&action)) {
        router.priority_changes.push_back(*priority);
      }
    }
    drain();
  }

 private:
  struct Delivery {
    Router* to;
    std::vector<uint8_t> bytes;
    IpAddress source;
    IpAddress destination;
  };

  // Deliveries are queued so an advert sent in reaction to another is heard after it.
  void drain() {
    if (draining_) return;
    draining_ = true;
    while (!pending_.empty()) {
      Delivery delivery = std::move(pending_.front());
      pending_.pop_front();
      const ReceivedIpFacts ip{delivery.source, delivery.destination, kRequiredTtl};
      const auto decoded = decode_advertisement(delivery.bytes, ip);
      REQUIRE(std::holds_alternative<DecodedAdvertisement>(decoded));
      apply(*delivery.to, delivery.to->vrrp.on_advertisement(std::get<DecodedAdvertisement>(decoded).advert, ip, now));
    }
    draining_ = false;
  }

  std::deque<Router> routers_;
  std::deque<Delivery> pending_;
  bool draining_ = false;
};

}  // namespace xdplb::vrrp::test
