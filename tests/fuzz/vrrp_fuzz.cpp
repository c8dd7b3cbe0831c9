// libFuzzer target: the VRRP codec and the state machine together, driven the way the agent drives
// them. The input is a configuration plus a program of operations (vrrp_fuzz_format.h): received
// packets (raw bytes through decode_advertisement, or adverts built and encoded from fuzzed
// fields), clock advances that fire due timers as the event loop would, late and stale timer
// firings, interface, tracking and sync-group events, start and shutdown.
//
// Beyond "no crash, no sanitizer report", every step checks what fsm.h and packet.h promise:
//   - a decoded advert re-encodes and decodes to itself (the codec is a bijection on what it accepts)
//   - a valid state always; Initialize exactly when not started, Fault exactly when faulted()
//   - a Master has its Adver_Timer armed within one advert interval and no Master_Down_Timer; a
//     Backup has its Master_Down_Timer armed within Master_Down_Interval and no Adver_Timer
//   - the timers the actions armed and cancelled are the ones the instance says are armed, and
//     no deadline lies in the past
//   - StateChange actions chain (each `from` is the state before it) and end in state()
//   - adverts are sent only by a Master, carry the effective priority (0 only to resign, before
//     leaving Master), and encode for the wire; entering Master sends an advert after the change
//   - the effective priority is 255 exactly for the address owner; a v3 Backup learns only
//     intervals an advert can carry
//   - the accepted master is never ourselves, and is a listed unicast peer in unicast mode
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "fuzz_input.h"
#include "vrrp/checksum.h"
#include "vrrp/fsm.h"
#include "vrrp/packet.h"
#include "vrrp_fuzz_format.h"

namespace {

using namespace xdplb::vrrp;
using namespace xdplb::fuzz::vrrp_format;
using xdplb::fuzz::FuzzInput;
using std::chrono::microseconds;
using std::chrono::milliseconds;

[[noreturn]] void violated(const char* invariant) {
  std::fprintf(stderr, "vrrp_fuzz: invariant violated: %s\n", invariant);
  __builtin_trap();
}

void require(bool holds, const char* invariant) {
  if (!holds) violated(invariant);
}

IpAddress v4(const char* text) {
  return asio::ip::make_address_v4(text);
}
IpAddress v6(const char* text) {
  return asio::ip::make_address_v6(text);
}

struct Addresses {
  IpAddress self, peer_a, peer_b, stranger, other_family;
  std::vector<IpAddress> vips;
};

Addresses addresses_for(bool ipv6) {
  if (ipv6)
    return {v6("fd00::1"), v6("fd00::2"), v6("fd00::3"), v6("fd00::9"), v4("198.18.0.1"),
            {v6("fd00::100"), v6("fd00::101"), v6("fd00::102")}};
  return {v4("198.18.0.1"), v4("198.18.0.2"), v4("198.18.0.3"), v4("198.18.0.9"), v6("fd00::1"),
          {v4("198.18.0.100"), v4("198.18.0.101"), v4("198.18.0.102")}};
}

const TrackedId kWeightedObject{TrackedKind::script, "weighted"};
const TrackedId kFaultObject{TrackedKind::interface, "fault"};

// Always a valid configuration: the constructor's validation is not what this target explores.
InstanceParameters parameters_from(FuzzInput& in, const Addresses& addresses) {
  const std::uint8_t flags = in.u8();
  InstanceParameters p;
  p.name = "VI_FUZZ";
  p.version = (flags & kV3) ? Version::v3 : Version::v2;
  p.vrid = std::max<std::uint8_t>(in.u8(), 1);
  p.priority = std::max<std::uint8_t>(in.u8(), 1);
  const std::uint8_t interval_high = in.u8();
  const std::uint8_t interval_low = in.u8();
  if (p.version == Version::v2)
    p.advert_interval = std::chrono::seconds(1 + interval_high % 255);
  else
    p.advert_interval = milliseconds(10 * (1 + (interval_high << 8 | interval_low) % 4095));
  p.preempt = (flags & kNoPreempt) == 0;
  const std::uint8_t preempt = in.u8();
  if (preempt & 0x80) p.preempt_delay = milliseconds(100 * (preempt & 0x7f));
  p.initial_state = (flags & kInitialMaster) ? InitialState::master : InitialState::backup;
  if ((flags & kAuthPass) && p.version == Version::v2) {
    p.auth_type = AuthType::simple_password;
    p.auth_password = "secret";
  }
  p.primary_address = addresses.self;
  const std::uint8_t vips = in.u8();
  p.virtual_addresses.assign(addresses.vips.begin(), addresses.vips.begin() + vips % 4);
  if (flags & kUnicast) p.unicast_peers = {addresses.peer_a, addresses.peer_b};
  const auto weight = static_cast<std::int8_t>(in.u8());
  if (flags & kTracked) {
    p.tracked.push_back({kWeightedObject, weight, false, (vips & 0x20) == 0});
    p.tracked.push_back({kFaultObject, 0, (vips & 0x80) != 0, (vips & 0x40) == 0});
  }
  return p;
}

// What the agent's timers look like from outside: the deadlines the actions armed.
struct TimerMirror {
  std::optional<TimePoint> master_down;
  std::optional<TimePoint> advertisement;

  std::optional<TimePoint>& operator[](TimerKind kind) {
    return kind == TimerKind::master_down ? master_down : advertisement;
  }
};

class Driver {
 public:
  Driver(InstanceParameters parameters, Addresses addresses)
      : addresses_(std::move(addresses)), instance_(std::move(parameters)) {}

  void run(FuzzInput& in) {
    check_state();
    while (!in.empty()) {
      switch (in.u8() % kOpCount) {
        case kOpPacket: receive_packet(in); break;
        case kOpCraftedAdvert: receive_crafted(in); break;
        case kOpAdvance: advance(in.u16()); break;
        case kOpFireTimer: fire(in.flag() ? TimerKind::advertisement : TimerKind::master_down); break;
        case kOpInterface: {
          const bool up = in.flag();
          apply(instance_.on_interface_state(up, now_));
          break;
        }
        case kOpTracked: track(in.u8()); break;
        case kOpSyncGroup: apply(instance_.on_sync_group(static_cast<State>(in.u8() % 4), now_)); break;
        case kOpStart:
          started_ = true;  // before apply(), which checks the state against it
          apply(instance_.start(now_));
          break;
        case kOpShutdown:
          started_ = false;
          apply(instance_.shutdown(now_));
          break;
        case kOpToDeadline: to_next_deadline(in.u8()); break;
      }
    }
  }

 private:
  const InstanceParameters& params() const { return instance_.parameters(); }

  IpAddress source_for(std::uint8_t selector) const {
    switch (selector % kSourceCount) {
      case kSelf: return addresses_.self;
      case kPeerA: return addresses_.peer_a;
      case kPeerB: return addresses_.peer_b;
      case kStranger: return addresses_.stranger;
      default: return addresses_.other_family;
    }
  }

  IpAddress destination_for(std::uint8_t selector, const IpAddress& source) const {
    switch (selector % kDestinationCount) {
      case kGroup: return vrrp_multicast_group(source.is_v6());
      case kUnicastToUs: return addresses_.self;
      default: return vrrp_multicast_group(!source.is_v6());
    }
  }

  // Raw bytes as a raw socket hands them over, optionally with a valid checksum written in so
  // the decoder's later checks see random content too.
  void receive_packet(FuzzInput& in) {
    const IpAddress source = source_for(in.u8());
    const IpAddress destination = destination_for(in.u8(), source);
    const std::uint8_t ttl = in.flag() ? in.u8() : kRequiredTtl;
    const std::uint8_t checksum_mode = in.u8() % 3;
    const auto bytes = in.bytes(in.u16() % (kMaxPacketBytes + 1));
    std::vector<std::uint8_t> message(bytes.begin(), bytes.end());
    if (checksum_mode != kChecksumKeep && message.size() >= 8 && source.is_v6() == destination.is_v6()) {
      message[6] = message[7] = 0;
      InternetChecksum sum;
      if (checksum_mode == kChecksumPseudoHeader)
        add_pseudo_header(sum, source, destination, kIpProtocolVrrp, static_cast<std::uint32_t>(message.size()));
      sum.add(message);
      const std::uint16_t checksum = sum.finish();
      message[6] = static_cast<std::uint8_t>(checksum >> 8);
      message[7] = static_cast<std::uint8_t>(checksum);
    }
    const DecodeResult result = decode_advertisement(message, {source, destination, ttl});
    if (const auto* failure = std::get_if<DecodeFailure>(&result)) {
      require(!to_string(failure->error).empty() && !failure->detail.empty(), "a decode failure says why");
      return;
    }
    const auto& decoded = std::get<DecodedAdvertisement>(result);
    check_decoded(decoded, message, source, destination);
    deliver(decoded.advert, {source, destination, ttl});
  }

  void check_decoded(const DecodedAdvertisement& decoded, const std::vector<std::uint8_t>& message,
                     const IpAddress& source, const IpAddress& destination) {
    const Advertisement& advert = decoded.advert;
    require(advert.vrid != 0, "decoded VRID is never 0");
    require(advert.addresses.size() == message[3], "decoded address count is the count field");
    for (const auto& address : advert.addresses)
      require(address.is_v6() == source.is_v6(), "decoded addresses are of the packet's family");
    require(advert.advert_interval.count() > 0, "decoded interval is never 0");
    require(advert.version == Version::v3 || !source.is_v6(), "no VRRPv2 over IPv6");
    if (advert.auth_type == AuthType::ip_ah) return;  // recognised, never re-sent
    // The decoder keeps Authentication Data whatever the type; the encoder zeroes it unless PASS.
    Advertisement expected = advert;
    if (expected.auth_type != AuthType::simple_password) expected.auth_data = {};
    EncodeOptions options;
    options.v3_checksum_as_v2 = advert.version == Version::v3 && !source.is_v6() &&
                                decoded.checksum_coverage == ChecksumCoverage::vrrp_message;
    const auto again = encode_advertisement(advert, source, destination, options);
    const DecodeResult round_trip = decode_advertisement(again, {source, destination, kRequiredTtl});
    const auto* back = std::get_if<DecodedAdvertisement>(&round_trip);
    require(back != nullptr, "a re-encoded advert decodes");
    require(back->advert == expected, "decode(encode(advert)) == advert");
    require(back->checksum_coverage == decoded.checksum_coverage, "round trip keeps the checksum coverage");
  }

  // An advert close to what a peer of this instance sends, with fuzzed deviations, through the
  // encoder and the decoder: this reaches the state machine far more often than random bytes.
  void receive_crafted(FuzzInput& in) {
    const std::uint8_t variations = in.u8();
    const std::uint8_t priority = in.u8();
    const IpAddress source = source_for(in.u8());
    Advertisement advert;
    advert.version = params().version;
    if ((variations & 0x02) && !source.is_v6())
      advert.version = advert.version == Version::v2 ? Version::v3 : Version::v2;
    advert.vrid = params().vrid;
    if (variations & 0x01) advert.vrid = static_cast<std::uint8_t>(advert.vrid % 255 + 1);
    advert.priority = priority;
    advert.advert_interval = std::chrono::duration_cast<Centiseconds>(params().advert_interval);
    if (variations & 0x08) {
      // Another interval the advert's version can carry.
      const auto cs = advert.advert_interval.count();
      advert.advert_interval =
          Centiseconds(advert.version == Version::v2 ? (cs / 100 % 255 + 1) * 100 : cs % 4095 + 1);
    }
    // After a version flip the interval may not fit the other version's field.
    if (advert.version == Version::v2 && advert.advert_interval.count() % 100 != 0)
      advert.advert_interval = Centiseconds(100);
    if (advert.version == Version::v3 && advert.advert_interval.count() > 4095)
      advert.advert_interval = Centiseconds((advert.advert_interval.count() - 1) % 4095 + 1);
    if (advert.version == Version::v2) {
      advert.auth_type = params().auth_type;
      if (variations & 0x20)
        advert.auth_type = advert.auth_type == AuthType::none ? AuthType::simple_password : AuthType::none;
      if (advert.auth_type == AuthType::simple_password)
        advert.auth_data = make_password((variations & 0x10) ? "wrong" : "secret");
    }
    for (const auto& vip : params().virtual_addresses)
      if (vip.is_v6() == source.is_v6()) advert.addresses.push_back(vip);
    if ((variations & 0x04) && !advert.addresses.empty()) advert.addresses.pop_back();
    if (variations & 0x80) advert.addresses.push_back(source);
    const IpAddress destination = vrrp_multicast_group(source.is_v6());
    EncodeOptions options;
    options.v3_checksum_as_v2 = (variations & 0x40) != 0;
    std::vector<std::uint8_t> message;
    try {
      message = encode_advertisement(advert, source, destination, options);
    } catch (const std::invalid_argument&) {
      // The encoder's documented refusal (v2 over IPv6 after a version flip); nothing to send.
      require(advert.version == Version::v2 && source.is_v6(), "the encoder refuses only what it documents");
      return;
    }
    const DecodeResult result = decode_advertisement(message, {source, destination, kRequiredTtl});
    const auto* decoded = std::get_if<DecodedAdvertisement>(&result);
    require(decoded != nullptr, "an encoded advert decodes");
    require(decoded->advert == advert, "decode(encode(advert)) == advert");
    deliver(decoded->advert, {source, destination, kRequiredTtl});
  }

  void deliver(const Advertisement& advert, const ReceivedIpFacts& ip) {
    apply(instance_.on_advertisement(advert, ip, now_));
  }

  void track(std::uint8_t choice) {
    if (params().tracked.empty()) return;
    const TrackedId& id = (choice & 1) ? kFaultObject : kWeightedObject;
    apply(instance_.on_tracked_object(id, (choice & 2) != 0, now_));
  }

  // The event loop's firing: the agent's steady_timer for `kind` has expired (or, when its
  // deadline is still ahead, an earlier arming fired late: the instance must keep waiting).
  void fire(TimerKind kind) {
    auto& armed = timers_[kind];
    if (armed && *armed <= now_) armed.reset();
    apply(instance_.on_timer_expired(kind, now_));
  }

  std::optional<std::pair<TimePoint, TimerKind>> next_deadline() {
    std::optional<std::pair<TimePoint, TimerKind>> next;
    for (const TimerKind kind : {TimerKind::master_down, TimerKind::advertisement}) {
      const auto& armed = timers_[kind];
      if (armed && (!next || *armed < next->first)) next = std::pair{*armed, kind};
    }
    return next;
  }

  // Moves the clock, firing every timer that falls due on the way at its deadline. A loop that
  // stalls is modelled too: after a bounded number of firings the clock jumps to the target.
  void advance(std::uint16_t amount) {
    const milliseconds step((amount & 0x7fff) * ((amount & 0x8000) ? 20 : 1));
    const TimePoint target = now_ + step;
    for (int firings = 0; firings < 64; ++firings) {
      const auto next = next_deadline();
      if (!next || next->first > target) break;
      now_ = next->first;
      fire(next->second);
    }
    now_ = std::max(now_, target);
  }

  void to_next_deadline(std::uint8_t delta) {
    const auto next = next_deadline();
    if (!next) return;
    now_ = std::max(now_, next->first + milliseconds(delta % 3) - milliseconds(1));
    fire(next->second);
  }

  void apply(const Actions& actions) {
    State state = state_before_;
    bool entered_master = false;
    bool advert_after_entering = false;
    bool resigned_since_change = false;
    for (const Action& action : actions) {
      if (const auto* change = std::get_if<StateChange>(&action)) {
        require(change->from == state, "a StateChange starts from the state before it");
        require(change->from != change->to, "a StateChange changes the state");
        if (change->from == State::master && (change->to == State::fault || change->to == State::initialize))
          require(resigned_since_change, "leaving Master for Fault or Initialize resigns first");
        state = change->to;
        entered_master = state == State::master;
        advert_after_entering = false;
        resigned_since_change = false;
      } else if (const auto* send = std::get_if<SendAdvertisement>(&action)) {
        require(state == State::master, "only a Master sends adverts");
        check_sent(send->advert);
        if (send->advert.priority == kPriorityResign) resigned_since_change = true;
        if (entered_master) advert_after_entering = true;
      } else if (const auto* arm = std::get_if<ArmTimer>(&action)) {
        require(arm->deadline >= now_, "no timer is armed in the past");
        timers_[arm->timer] = arm->deadline;
      } else if (const auto* cancel = std::get_if<CancelTimer>(&action)) {
        timers_[cancel->timer].reset();
      } else if (const auto* discarded = std::get_if<AdvertDiscarded>(&action)) {
        require(!discarded->detail.empty() && !to_string(discarded->reason).empty(), "a discard says why");
      } else if (const auto* changed = std::get_if<PriorityChanged>(&action)) {
        require(changed->from != changed->to, "PriorityChanged changes the priority");
      }
    }
    require(state == instance_.state(), "the StateChange actions end in state()");
    require(!entered_master || advert_after_entering, "entering Master sends an advert after the change");
    check_state();
  }

  void check_sent(const Advertisement& advert) {
    require(advert.vrid == params().vrid && advert.version == params().version, "adverts carry our VRID and version");
    require(advert.addresses == params().virtual_addresses, "adverts carry our addresses");
    require(advert.priority == kPriorityResign || advert.priority == instance_.effective_priority(),
            "adverts carry the effective priority, or 0 to resign");
    const IpAddress destination =
        params().unicast_peers.empty() ? vrrp_multicast_group(addresses_.self.is_v6()) : params().unicast_peers.front();
    const auto message = encode_advertisement(advert, addresses_.self, destination);
    const DecodeResult back = decode_advertisement(message, {addresses_.self, destination, kRequiredTtl});
    const auto* decoded = std::get_if<DecodedAdvertisement>(&back);
    require(decoded != nullptr && decoded->advert == advert, "a sent advert goes on the wire and reads back");
  }

  void check_state() {
    const State state = instance_.state();
    require(state == State::initialize || state == State::backup || state == State::master || state == State::fault,
            "a valid state always");
    for (const TimerKind kind : {TimerKind::master_down, TimerKind::advertisement})
      require(timers_[kind] == instance_.timer_deadline(kind), "armed timers are the ones the actions armed");
    if (!started_) require(state == State::initialize, "Initialize exactly while not started");
    if (started_) require(state != State::initialize, "a started instance leaves Initialize");
    if (started_) require(instance_.faulted() == (state == State::fault), "Fault exactly while faulted");

    const auto master_down = instance_.timer_deadline(TimerKind::master_down);
    const auto advertisement = instance_.timer_deadline(TimerKind::advertisement);
    switch (state) {
      case State::master:
        require(advertisement && *advertisement <= now_ + params().advert_interval,
                "a Master's Adver_Timer runs within one advert interval");
        require(!master_down, "a Master has no Master_Down_Timer");
        break;
      case State::backup:
        require(master_down && *master_down <= now_ + instance_.master_down_interval(),
                "a Backup's Master_Down_Timer runs within Master_Down_Interval");
        require(!advertisement, "a Backup has no Adver_Timer");
        break;
      case State::initialize:
      case State::fault:
        require(!master_down && !advertisement, "no timers in Initialize or Fault");
        break;
    }
    if (state != State::backup) require(!instance_.current_master(), "only a Backup follows a master");
    if (const auto master = instance_.current_master()) {
      require(*master != addresses_.self, "we never follow ourselves");
      const auto& peers = params().unicast_peers;
      require(peers.empty() || std::find(peers.begin(), peers.end(), *master) != peers.end(),
              "in unicast mode we follow only a listed peer");
    }

    const std::uint8_t priority = instance_.effective_priority();
    require(priority >= 1, "the effective priority is never 0");
    require((priority == kPriorityOwner) == (params().priority == kPriorityOwner),
            "255 exactly for the address owner");
    const microseconds learned = instance_.master_adver_interval();
    if (params().version == Version::v2)
      require(learned == microseconds(params().advert_interval), "v2 never learns an interval");
    else
      require(learned >= milliseconds(10) && learned <= milliseconds(40950), "v3 learns only intervals adverts carry");
    require(instance_.skew_time() < instance_.master_down_interval(), "Skew_Time is part of Master_Down_Interval");
    state_before_ = state;
  }

  Addresses addresses_;
  VrrpInstance instance_;
  TimePoint now_ = TimePoint(std::chrono::hours(24));
  TimerMirror timers_;
  bool started_ = false;
  State state_before_ = State::initialize;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzInput in(data, size);
  const bool ipv6 = size >= 1 && (data[0] & kV3) && (data[0] & kIpv6);
  Addresses addresses = addresses_for(ipv6);
  InstanceParameters parameters = parameters_from(in, addresses);
  Driver driver(std::move(parameters), std::move(addresses));
  driver.run(in);
  return 0;
}
