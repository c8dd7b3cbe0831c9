#include "vrrp/fsm.h"

#include <algorithm>
#include <stdexcept>

namespace xdplb::vrrp {

namespace {

using std::chrono::microseconds;

constexpr auto kMaxPreemptDelay = std::chrono::seconds(1000);  // keepalived's range
constexpr auto kV2MaxInterval = std::chrono::seconds(255);
constexpr auto kV3MaxInterval = std::chrono::milliseconds(40950);

[[noreturn]] void invalid(const InstanceParameters& p, const std::string& why) {
  throw std::invalid_argument("VRRP instance " + p.name + ": " + why);
}

void validate(const InstanceParameters& p) {
  if (p.vrid == 0) invalid(p, "virtual_router_id must be 1..255");
  if (p.priority == 0) invalid(p, "priority must be 1..255 (0 is reserved for resignation)");
  if (p.primary_address.is_unspecified()) invalid(p, "no primary (source) address");
  const bool ipv6 = p.primary_address.is_v6();
  if (p.version == Version::v2) {
    if (ipv6) invalid(p, "VRRPv2 (RFC 3768) is IPv4 only; use version 3 for IPv6");
    if (p.advert_interval.count() % 1000 != 0 || p.advert_interval < std::chrono::seconds(1) ||
        p.advert_interval > kV2MaxInterval)
      invalid(p, "VRRPv2 advert_int must be a whole number of seconds from 1 to 255");
  } else {
    if (p.advert_interval.count() % 10 != 0 || p.advert_interval < std::chrono::milliseconds(10) ||
        p.advert_interval > kV3MaxInterval)
      invalid(p, "VRRPv3 advert_int must be a multiple of 0.01 s from 0.01 to 40.95 s");
  }
  if (p.preempt_delay < std::chrono::milliseconds(0) || p.preempt_delay > kMaxPreemptDelay)
    invalid(p, "preempt_delay must be 0..1000 seconds");
  switch (p.auth_type) {
    case AuthType::none: break;
    case AuthType::simple_password:
      if (p.version == Version::v3) invalid(p, "VRRPv3 has no authentication");
      break;
    case AuthType::ip_ah: invalid(p, "AH authentication is not supported");
  }
  if (p.virtual_addresses.size() > kMaxAddresses) invalid(p, "more than 255 virtual addresses");
  for (const auto& address : p.virtual_addresses)
    if (address.is_v6() != ipv6)
      invalid(p, "virtual address " + address.to_string() + " is not of the family of " +
                     p.primary_address.to_string());
  for (const auto& peer : p.unicast_peers)
    if (peer.is_v6() != ipv6)
      invalid(p, "unicast peer " + peer.to_string() + " is not of the family of " +
                     p.primary_address.to_string());
  if (const auto& group = p.multicast_group) {
    // An advert never leaves the link (TTL / hop limit 255, checked): an IPv6 group is link-local.
    const bool usable = group->is_v6() ? group->to_v6().is_multicast_link_local() : group->to_v4().is_multicast();
    if (group->is_v6() != ipv6 || !usable)
      invalid(p, "multicast group " + group->to_string() + " is not " +
                     (ipv6 ? "a link-local IPv6 multicast address" : "an IPv4 multicast address"));
  }
}

PriorityCalculator make_priority(const InstanceParameters& p) {
  validate(p);
  try {
    return PriorityCalculator(p.priority, p.tracked);
  } catch (const std::invalid_argument& e) {
    invalid(p, e.what());
  }
}

AuthData make_instance_password(const InstanceParameters& p) {
  if (p.auth_type != AuthType::simple_password) return AuthData{};
  try {
    return make_password(p.auth_password);
  } catch (const std::invalid_argument& e) {
    invalid(p, e.what());
  }
}

std::string describe(const IpAddress& source, uint8_t priority) {
  return "from " + source.to_string() + " priority " + std::to_string(priority);
}

}  // namespace

IpAddress multicast_group_of(const InstanceParameters& p) {
  return p.multicast_group.value_or(vrrp_multicast_group(p.primary_address.is_v6()));
}

std::vector<IpAddress> advert_destinations(const InstanceParameters& p) {
  if (!p.unicast_peers.empty()) return p.unicast_peers;
  return {multicast_group_of(p)};
}

std::string_view to_string(State state, StateSpelling spelling) {
  switch (state) {
    case State::initialize: return spelling == StateSpelling::notify ? "STOP" : "INIT";
    case State::backup: return "BACKUP";
    case State::master: return "MASTER";
    case State::fault: return "FAULT";
  }
  return "UNKNOWN";
}

std::string_view to_string(TimerKind kind) {
  switch (kind) {
    case TimerKind::master_down: return "Master_Down_Timer";
    case TimerKind::advertisement: return "Adver_Timer";
  }
  return "unknown timer";
}

std::string_view to_string(TransitionReason reason) {
  switch (reason) {
    case TransitionReason::startup: return "startup";
    case TransitionReason::address_owner: return "address owner";
    case TransitionReason::master_down_timer: return "master down timer expired";
    case TransitionReason::higher_priority_master: return "higher priority master";
    case TransitionReason::fault: return "fault";
    case TransitionReason::sync_group: return "sync group";
    case TransitionReason::shutdown: return "shutdown";
  }
  return "unknown";
}

std::string_view to_string(DiscardReason reason) {
  switch (reason) {
    case DiscardReason::not_running: return "instance not running";
    case DiscardReason::vrid_mismatch: return "VRID mismatch";
    case DiscardReason::version_mismatch: return "version mismatch";
    case DiscardReason::family_mismatch: return "address family mismatch";
    case DiscardReason::own_advert: return "own advert";
    case DiscardReason::not_a_unicast_peer: return "not a unicast peer";
    case DiscardReason::auth_type_mismatch: return "auth type mismatch";
    case DiscardReason::auth_password_mismatch: return "auth password mismatch";
    case DiscardReason::advert_interval_mismatch: return "advert interval mismatch";
    case DiscardReason::address_list_mismatch: return "address list mismatch";
    case DiscardReason::lower_priority_preempting: return "lower priority, preempting";
    case DiscardReason::destination_not_vrrp_group: return "not sent to the instance's multicast group";
    case DiscardReason::source_not_link_local: return "IPv6 source not link-local";
  }
  return "unknown";
}

std::string_view to_string(WarningKind kind) {
  switch (kind) {
    case WarningKind::owner_address_list_differs: return "address owner's address list differs";
    case WarningKind::two_address_owners: return "two address owners";
    case WarningKind::lower_priority_master: return "lower-priority advert heard as Master";
  }
  return "warning";
}

std::string_view metric_name(DiscardReason reason) {
  switch (reason) {
    case DiscardReason::not_running: return "not_running";
    case DiscardReason::vrid_mismatch: return "vrid_mismatch";
    case DiscardReason::version_mismatch: return "version_mismatch";
    case DiscardReason::family_mismatch: return "family_mismatch";
    case DiscardReason::own_advert: return "own_advert";
    case DiscardReason::not_a_unicast_peer: return "not_a_unicast_peer";
    case DiscardReason::auth_type_mismatch: return "auth_type_mismatch";
    case DiscardReason::auth_password_mismatch: return "auth_password_mismatch";
    case DiscardReason::advert_interval_mismatch: return "advert_interval_mismatch";
    case DiscardReason::address_list_mismatch: return "address_list_mismatch";
    case DiscardReason::lower_priority_preempting: return "lower_priority_preempting";
    case DiscardReason::destination_not_vrrp_group: return "destination_not_vrrp_group";
    case DiscardReason::source_not_link_local: return "source_not_link_local";
  }
  return "unknown";
}

VrrpInstance::VrrpInstance(InstanceParameters parameters)
    : parameters_(std::move(parameters)),
      priority_(make_priority(parameters_)),
      password_(make_instance_password(parameters_)),
      advertisement_interval_(parameters_.advert_interval),
      master_adver_interval_(parameters_.advert_interval) {}

// RFC 3768: Skew_Time = (256 - Priority) / 256 seconds, whatever the advert interval.
// RFC 5798: Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256.
microseconds VrrpInstance::skew_for(unsigned priority_gap) const {
  const microseconds base =
      parameters_.version == Version::v2 ? microseconds(std::chrono::seconds(1)) : master_adver_interval_;
  return base * priority_gap / 256;
}

microseconds VrrpInstance::skew_time() const {
  return skew_for(256U - effective_priority());
}

microseconds VrrpInstance::master_down_interval() const {
  return 3 * master_adver_interval_ + skew_time();
}

std::optional<TimePoint> VrrpInstance::timer_deadline(TimerKind timer) const {
  return timer == TimerKind::master_down ? master_down_deadline_ : advert_deadline_;
}

Advertisement VrrpInstance::make_advert(uint8_t priority) const {
  Advertisement advert;
  advert.version = parameters_.version;
  advert.vrid = parameters_.vrid;
  advert.priority = priority;
  advert.advert_interval = std::chrono::duration_cast<Centiseconds>(advertisement_interval_);
  advert.auth_type = parameters_.auth_type;
  advert.auth_data = password_;
  advert.addresses = parameters_.virtual_addresses;
  return advert;
}

void VrrpInstance::arm(Actions& out, TimerKind timer, TimePoint deadline) {
  (timer == TimerKind::master_down ? master_down_deadline_ : advert_deadline_) = deadline;
  out.emplace_back(ArmTimer{timer, deadline});
}

void VrrpInstance::cancel(Actions& out, TimerKind timer) {
  auto& deadline = timer == TimerKind::master_down ? master_down_deadline_ : advert_deadline_;
  if (!deadline) return;
  deadline.reset();
  out.emplace_back(CancelTimer{timer});
}

void VrrpInstance::change_state(Actions& out, State to, TransitionReason reason) {
  const State from = state_;
  state_ = to;
  out.emplace_back(StateChange{from, to, reason});
}

Actions VrrpInstance::start(TimePoint now) {
  Actions out;
  if (started_) return out;
  started_ = true;
  enter_running(out, now, true);
  return out;
}

// RFC 5798 6.4.1, entered from start() and from Fault once every fault has cleared.
void VrrpInstance::enter_running(Actions& out, TimePoint now, bool from_startup) {
  master_adver_interval_ = advertisement_interval_;
  preempt_deadline_.reset();
  current_master_.reset();
  if (faulted()) {
    change_state(out, State::fault, TransitionReason::fault);
    return;
  }
  if (effective_priority() == kPriorityOwner) {
    become_master(out, now, TransitionReason::address_owner);
    return;
  }
  // keepalived's `state MASTER`: take over after one interval unless someone is heard; the
  // smallest skew keeps two such routers from colliding exactly.
  const bool quick = from_startup && parameters_.initial_state == InitialState::master;
  enter_backup(out, now, TransitionReason::startup,
               quick ? advertisement_interval_ + skew_for(1) : master_down_interval());
}

void VrrpInstance::become_master(Actions& out, TimePoint now, TransitionReason reason) {
  cancel(out, TimerKind::master_down);
  current_master_.reset();
  preempt_deadline_.reset();
  change_state(out, State::master, reason);
  out.emplace_back(SendAdvertisement{make_advert(effective_priority())});
  arm(out, TimerKind::advertisement, now + advertisement_interval_);
}

void VrrpInstance::enter_backup(Actions& out, TimePoint now, TransitionReason reason,
                                microseconds down_after) {
  cancel(out, TimerKind::advertisement);
  change_state(out, State::backup, reason);
  arm(out, TimerKind::master_down, now + down_after);
}

void VrrpInstance::enter_fault(Actions& out) {
  // Resign rather than go silent so the backup takes over after Skew_Time, as keepalived does.
  if (state_ == State::master) out.emplace_back(SendAdvertisement{make_advert(kPriorityResign)});
  cancel(out, TimerKind::advertisement);
  cancel(out, TimerKind::master_down);
  current_master_.reset();
  change_state(out, State::fault, TransitionReason::fault);
}

Actions VrrpInstance::shutdown(TimePoint) {
  Actions out;
  if (!started_) return out;
  started_ = false;
  if (state_ == State::master) out.emplace_back(SendAdvertisement{make_advert(kPriorityResign)});
  cancel(out, TimerKind::advertisement);
  cancel(out, TimerKind::master_down);
  current_master_.reset();
  preempt_deadline_.reset();
  change_state(out, State::initialize, TransitionReason::shutdown);
  return out;
}

bool VrrpInstance::updatable_in_place(const InstanceParameters& running, const InstanceParameters& next) {
  if (running.tracked.size() != next.tracked.size()) return false;
  InstanceParameters fixed = next;  // `next` with what may change set back to the running values
  fixed.priority = running.priority;
  fixed.advert_interval = running.advert_interval;
  fixed.preempt = running.preempt;
  fixed.preempt_delay = running.preempt_delay;
  fixed.virtual_addresses = running.virtual_addresses;
  for (size_t i = 0; i < fixed.tracked.size(); ++i) fixed.tracked[i].weight = running.tracked[i].weight;
  return fixed == running;
}

Actions VrrpInstance::update(InstanceParameters next, TimePoint now) {
  if (!updatable_in_place(parameters_, next))
    invalid(parameters_,
            "only priority, advert_int, nopreempt, preempt_delay, virtual addresses and track weights change in place");
  PriorityCalculator priority = make_priority(next);  // validates `next` before anything changes
  for (const auto& object : priority_.tracked()) {
    priority.set_healthy(object.id, object.healthy);
    priority.set_value(object.id, object.value);
  }

  Actions out;
  const uint8_t before = effective_priority();
  const bool interval_changed = next.advert_interval != parameters_.advert_interval;
  const bool addresses_changed = next.virtual_addresses != parameters_.virtual_addresses;
  if (next.preempt != parameters_.preempt || next.preempt_delay != parameters_.preempt_delay)
    preempt_deadline_.reset();  // the delay counts afresh from the next lower-priority advert
  parameters_ = std::move(next);
  priority_ = std::move(priority);
  advertisement_interval_ = parameters_.advert_interval;
  if (!started_) {
    master_adver_interval_ = advertisement_interval_;
    return out;
  }
  reevaluate_fault(out, now, before);  // reports the priority, enters or leaves Fault, moves the skew
  if (state_ == State::master) {
    if (effective_priority() != before || interval_changed || addresses_changed) {
      out.emplace_back(SendAdvertisement{make_advert(effective_priority())});
      arm(out, TimerKind::advertisement, now + advertisement_interval_);
    }
  } else if (state_ == State::backup && interval_changed &&
             (parameters_.version == Version::v2 || !current_master_)) {
    // v2 has one interval for everyone; v3 learns the Master's, and keeps it while one is heard.
    master_adver_interval_ = advertisement_interval_;
    arm(out, TimerKind::master_down, now + master_down_interval());
  }
  return out;
}

Actions VrrpInstance::on_timer_expired(TimerKind timer, TimePoint now) {
  Actions out;
  const std::optional<TimePoint> deadline = timer_deadline(timer);
  if (!deadline) return out;  // cancelled or already handled
  if (now < *deadline) {      // an earlier arming fired: keep waiting for the current one
    out.emplace_back(ArmTimer{timer, *deadline});
    return out;
  }
  if (timer == TimerKind::master_down) {
    master_down_deadline_.reset();
    become_master(out, now, TransitionReason::master_down_timer);
    return out;
  }
  out.emplace_back(SendAdvertisement{make_advert(effective_priority())});
  // Keep the cadence of the deadlines, but never schedule into the past after a stall.
  TimePoint next = *deadline + advertisement_interval_;
  if (next <= now) next = now + advertisement_interval_;
  arm(out, TimerKind::advertisement, next);
  return out;
}

Actions VrrpInstance::on_interface_state(bool up, TimePoint now) {
  Actions out;
  const uint8_t before = effective_priority();
  interface_up_ = up;
  reevaluate_fault(out, now, before);
  return out;
}

Actions VrrpInstance::on_tracked_object(const TrackedId& id, bool healthy, TimePoint now) {
  Actions out;
  const uint8_t before = effective_priority();
  try {
    priority_.set_healthy(id, healthy);
  } catch (const std::invalid_argument& e) {
    invalid(parameters_, e.what());
  }
  reevaluate_fault(out, now, before);
  return out;
}

Actions VrrpInstance::on_tracked_value(const TrackedId& id, int value, TimePoint now) {
  Actions out;
  const uint8_t before = effective_priority();
  try {
    priority_.set_value(id, value);
  } catch (const std::invalid_argument& e) {
    invalid(parameters_, e.what());
  }
  reevaluate_fault(out, now, before);
  return out;
}

Actions VrrpInstance::on_sync_group(State group_state, TimePoint now) {
  Actions out;
  const uint8_t priority = effective_priority();
  if (group_state == State::fault) {
    group_fault_ = true;
    reevaluate_fault(out, now, priority);
    return out;
  }
  if (group_state != State::master && group_state != State::backup) return out;
  if (group_fault_) {
    group_fault_ = false;
    reevaluate_fault(out, now, priority);  // back to Backup unless a fault of its own remains
  }
  if (!started_) return out;
  if (group_state == State::master && state_ == State::backup) {
    become_master(out, now, TransitionReason::sync_group);
  } else if (group_state == State::backup && state_ == State::master) {
    current_master_.reset();
    enter_backup(out, now, TransitionReason::sync_group, master_down_interval());
  }
  return out;
}

void VrrpInstance::reevaluate_fault(Actions& out, TimePoint now, uint8_t priority_before) {
  const uint8_t priority_after = effective_priority();
  if (priority_after != priority_before) out.emplace_back(PriorityChanged{priority_before, priority_after});
  if (!started_) return;
  if (faulted() && state_ != State::fault) {
    enter_fault(out);
  } else if (!faulted() && state_ == State::fault) {
    enter_running(out, now, false);
  } else if (priority_after != priority_before && state_ == State::backup && master_down_deadline_) {
    // Skew_Time depends on our priority: move the running Master_Down_Timer by the difference,
    // as keepalived does, rather than restart it.
    const microseconds shift = skew_for(256U - priority_after) - skew_for(256U - priority_before);
    arm(out, TimerKind::master_down, std::max(now, *master_down_deadline_ + shift));
  }
}

bool VrrpInstance::address_list_matches(const Advertisement& advert) const {
  const auto& ours = parameters_.virtual_addresses;
  return advert.addresses.size() == ours.size() &&
         std::is_permutation(advert.addresses.begin(), advert.addresses.end(), ours.begin());
}

std::optional<AdvertDiscarded> VrrpInstance::check_advert(const Advertisement& advert,
                                                          const ReceivedIpFacts& ip) const {
  const IpAddress& source = ip.source;
  const auto discard = [&](DiscardReason reason, std::string detail) {
    return AdvertDiscarded{reason, describe(source, advert.priority) + ": " + std::move(detail)};
  };
  if (advert.vrid != parameters_.vrid)
    return discard(DiscardReason::vrid_mismatch,
                   "VRID " + std::to_string(advert.vrid) + ", ours " + std::to_string(parameters_.vrid));
  if (advert.version != parameters_.version)
    return discard(DiscardReason::version_mismatch,
                   "version " + std::to_string(static_cast<int>(advert.version)) + ", ours " +
                       std::to_string(static_cast<int>(parameters_.version)));
  if (source.is_v6() != parameters_.primary_address.is_v6())
    return discard(DiscardReason::family_mismatch, "not of our address family");
  if (source == parameters_.primary_address) return discard(DiscardReason::own_advert, "our own advert");
  if (multicast()) {
    if (const IpAddress group = multicast_group_of(parameters_); ip.destination != group)
      return discard(DiscardReason::destination_not_vrrp_group,
                     "sent to " + ip.destination.to_string() + ", our group is " + group.to_string());
    // Unicast instances may use global IPv6 addresses (unicast_src_ip / unicast_peer), as keepalived
    // allows; RFC 5798 knows only multicast, where the source is link-local.
    if (source.is_v6() && !source.to_v6().is_link_local())
      return discard(DiscardReason::source_not_link_local, "the source of an IPv6 advert must be link-local");
  }
  const auto& peers = parameters_.unicast_peers;
  if (!peers.empty() && std::find(peers.begin(), peers.end(), source) == peers.end())
    return discard(DiscardReason::not_a_unicast_peer, "source is not a unicast_peer");
  if (parameters_.version == Version::v2) {
    if (advert.auth_type != parameters_.auth_type)
      return discard(DiscardReason::auth_type_mismatch,
                     "auth type " + std::to_string(static_cast<int>(advert.auth_type)) + ", ours " +
                         std::to_string(static_cast<int>(parameters_.auth_type)));
    if (parameters_.auth_type == AuthType::simple_password && advert.auth_data != password_)
      return discard(DiscardReason::auth_password_mismatch, "password differs");
    if (std::chrono::microseconds(advert.advert_interval) != advertisement_interval_)
      return discard(DiscardReason::advert_interval_mismatch,
                     "advert interval " + std::to_string(advert.advert_interval.count() / 100) + " s, ours " +
                         std::to_string(advertisement_interval_.count() / 1000000) + " s");
  }
  // RFC 5798 7.1: a differing address list is logged, and dropped unless the address owner sent it.
  if (!parameters_.virtual_addresses.empty() && advert.priority != kPriorityOwner &&
      !address_list_matches(advert))
    return discard(DiscardReason::address_list_mismatch,
                   std::to_string(advert.addresses.size()) + " addresses differing from our " +
                       std::to_string(parameters_.virtual_addresses.size()));
  return std::nullopt;
}

Actions VrrpInstance::on_advertisement(const Advertisement& advert, const ReceivedIpFacts& ip, TimePoint now) {
  Actions out;
  const IpAddress& source = ip.source;
  if (!started_ || state_ == State::fault || state_ == State::initialize) {
    out.emplace_back(AdvertDiscarded{DiscardReason::not_running,
                                     describe(source, advert.priority) + ": instance is " +
                                         std::string(to_string(state_, StateSpelling::status))});
    return out;
  }
  if (auto discarded = check_advert(advert, ip)) {
    out.emplace_back(std::move(*discarded));
    return out;
  }
  if (!parameters_.virtual_addresses.empty() && !address_list_matches(advert))
    out.emplace_back(AdvertWarning{WarningKind::owner_address_list_differs,
                                   describe(source, advert.priority) +
                                       ": address owner advertises an address list differing from ours"});
  if (state_ == State::backup)
    backup_receive(out, advert, source, now);
  else
    master_receive(out, advert, source, now);
  return out;
}

// RFC 5798 6.4.2, with keepalived's preempt_delay: a lower-priority master is tolerated until
// preempt_delay has passed since we first heard it.
void VrrpInstance::backup_receive(Actions& out, const Advertisement& advert, const IpAddress& source,
                                  TimePoint now) {
  if (advert.priority == kPriorityResign) {
    arm(out, TimerKind::master_down, now + skew_time());
    return;
  }
  const bool delaying_preemption =
      parameters_.preempt_delay.count() > 0 && (!preempt_deadline_ || now < *preempt_deadline_);
  if (!parameters_.preempt || advert.priority >= effective_priority() || delaying_preemption) {
    if (parameters_.version == Version::v3) master_adver_interval_ = advert.advert_interval;
    current_master_ = source;
    if (parameters_.preempt && parameters_.preempt_delay.count() > 0) {
      if (advert.priority >= effective_priority())
        preempt_deadline_.reset();
      else if (!preempt_deadline_)
        preempt_deadline_ = now + parameters_.preempt_delay;
    }
    arm(out, TimerKind::master_down, now + master_down_interval());
    return;
  }
  // The Master_Down_Timer keeps running from the last accepted advert: we take over when it fires.
  current_master_ = source;
  out.emplace_back(AdvertDiscarded{
      DiscardReason::lower_priority_preempting,
      describe(source, advert.priority) + ": ours is " + std::to_string(effective_priority())});
}

// RFC 5798 6.4.3 as updated by RFC 9568: a Master that hears a router it beats asserts itself
// with an advert at once instead of waiting for its timer.
void VrrpInstance::master_receive(Actions& out, const Advertisement& advert, const IpAddress& source,
                                  TimePoint now) {
  if (advert.priority == kPriorityResign) {
    answer_at_once(out, now);
    return;
  }
  const uint8_t ours = effective_priority();
  if (advert.priority == kPriorityOwner && ours == kPriorityOwner)
    out.emplace_back(
        AdvertWarning{WarningKind::two_address_owners,
                      describe(source, advert.priority) +
                          ": another router is configured as address owner too; the higher address wins"});
  const bool other_wins =
      advert.priority > ours || (advert.priority == ours && parameters_.primary_address < source);
  if (other_wins) {
    cancel(out, TimerKind::advertisement);
    if (parameters_.version == Version::v3) master_adver_interval_ = advert.advert_interval;
    current_master_ = source;
    change_state(out, State::backup, TransitionReason::higher_priority_master);
    arm(out, TimerKind::master_down, now + master_down_interval());
    return;
  }
  const bool answering = !last_answer_ || now - *last_answer_ >= advertisement_interval_;
  out.emplace_back(AdvertWarning{WarningKind::lower_priority_master,
                                 describe(source, advert.priority) + ": lower than our " + std::to_string(ours) +
                                     (answering ? ", advertising at once"
                                                : ", already answered within the advert interval")});
  answer_at_once(out, now);
}

// Each forged advert would otherwise buy one of ours: a flood amplified. Once per interval is
// enough for the RFC's purpose (the other router hears a better Master at once).
void VrrpInstance::answer_at_once(Actions& out, TimePoint now) {
  if (last_answer_ && now - *last_answer_ < advertisement_interval_) return;
  last_answer_ = now;
  out.emplace_back(SendAdvertisement{make_advert(effective_priority())});
  arm(out, TimerKind::advertisement, now + advertisement_interval_);
}

}  // namespace xdplb::vrrp
