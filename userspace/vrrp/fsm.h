// The VRRP state machine of one virtual router (RFC 5798 section 6, RFC 3768 for v2 timing, RFC
// 9568 where it updates 5798), with keepalived's operator-facing extras: `state MASTER|BACKUP`,
// `nopreempt`, `preempt_delay`, tracking weights, the Fault state and vrrp_sync_group moves.
//
// Pure: no sockets, no timers, no clock reads. The caller passes every event with the current
// steady-clock time and carries out the returned actions in order:
//   SendAdvertisement  encode (packet.h) and send it (priority 0 = resignation)
//   ArmTimer/CancelTimer  one steady_timer per TimerKind; a re-arm replaces the previous deadline
//   StateChange        add/remove VIPs, GARP/NA, notify scripts (in the order of transition_steps.h).
//                      Entering Master it comes before the first advert; leaving Master it comes
//                      after the priority-0 advert.
//   AdvertDiscarded    count it per reason, log it (rate-limited: a flood must not flood the log)
//   AdvertWarning      log it (rate-limited per kind)
//   PriorityChanged    log it, notify if asked to
// A timer that fires late, twice, or after being cancelled is harmless: the instance checks it
// against the deadline it armed.
//
// Receive-side checks, split by who knows the facts: the codec (packet.h) checks TTL/hop limit,
// version/type validity, length vs count, checksum; this class checks what needs the
// configuration: VRID, version, family, destination (multicast instances take only adverts sent to
// the VRRP group, as keepalived does), IPv6 link-local source (multicast instances, RFC 5798
// 5.1.2.1), own packets, unicast peers, authentication, v2 interval, address list.
//
// Floods: a Master answers a lower-priority or priority-0 advert at once (RFC 9568), but at most
// once per advert interval, by the clock it is given; the regular Adver_Timer keeps running, so a
// held-back answer costs nothing but one more advert on the wire per forged packet.
#pragma once

#include "vrrp/packet.h"
#include "vrrp/priority.h"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace xdplb::vrrp {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

enum class State : uint8_t { initialize, backup, master, fault };

// Where a state's name is read, since keepalived names Initialize two ways:
//   status  INIT BACKUP MASTER FAULT: its log lines and status dumps (xdplbctl status, metrics);
//   notify  MASTER BACKUP FAULT STOP: the state argument of notify scripts, notify FIFO lines and
//           SMTP alerts, which report Initialize as STOP because an instance enters it only to stop.
enum class StateSpelling : uint8_t { status, notify };
std::string_view to_string(State state, StateSpelling spelling);

// keepalived's `state`: MASTER starts as Backup but waits only one advert interval (plus the
// smallest skew) before taking over, so it still yields to any higher-priority router it hears.
enum class InitialState : uint8_t { backup, master };

struct InstanceParameters {
  std::string name;  // for logs
  Version version = Version::v2;
  uint8_t vrid = 0;        // 1..255
  uint8_t priority = 100;  // base priority 1..255; 255 = address owner
  // v2: whole seconds 1..255; v3: a multiple of 10 ms, 10 ms .. 40.95 s.
  std::chrono::milliseconds advert_interval{1000};
  bool preempt = true;                         // false = keepalived `nopreempt`
  std::chrono::milliseconds preempt_delay{0};  // 0..1000 s
  InitialState initial_state = InitialState::backup;
  AuthType auth_type = AuthType::none;  // v2 only: none or simple_password
  std::string auth_password;            // PASS, 1..8 bytes
  // Our address on the VRRP interface: the advert source, the tie-breaker, and how our own
  // multicast echoes are recognised.
  IpAddress primary_address;
  std::vector<IpAddress> virtual_addresses;  // carried in adverts, of the primary's family
  // keepalived's `unicast_peer`: when set, adverts are accepted only from these addresses.
  std::vector<IpAddress> unicast_peers;
  // keepalived's vrrp_mcast_group4/6 or mcast_dst_ip: where a multicast instance sends and the one
  // destination it accepts. Unset: RFC 5798's group of the family. Unused with unicast_peers.
  std::optional<IpAddress> multicast_group;
  std::vector<TrackedObject> tracked;  // see priority.h

  bool operator==(const InstanceParameters&) const = default;
};

// The group of a multicast instance: its multicast_group, else 224.0.0.18 / ff02::12.
IpAddress multicast_group_of(const InstanceParameters& p);
// Where the instance's adverts go: each unicast peer, else its multicast group.
std::vector<IpAddress> advert_destinations(const InstanceParameters& p);

enum class TimerKind : uint8_t { master_down, advertisement };
std::string_view to_string(TimerKind kind);

enum class TransitionReason : uint8_t {
  startup,                 // start(), or recovery from Fault, as Backup
  address_owner,           // priority 255 takes over at once
  master_down_timer,       // no (acceptable) advert within Master_Down_Interval
  higher_priority_master,  // Master heard a better router
  fault,                   // interface down / tracked object failed / sync group in Fault
  sync_group,              // moved with the other members of its vrrp_sync_group
  shutdown,
};
std::string_view to_string(TransitionReason reason);

enum class DiscardReason : uint8_t {
  not_running,  // Initialize or Fault: adverts are not processed
  vrid_mismatch,
  version_mismatch,
  family_mismatch,
  own_advert,          // our own multicast echo (source is our primary address)
  not_a_unicast_peer,  // unicast mode: the source is not a listed peer
  auth_type_mismatch,
  auth_password_mismatch,
  advert_interval_mismatch,   // v2 only; v3 learns the master's interval
  address_list_mismatch,      // dropped unless from the address owner (RFC 5798 7.1)
  lower_priority_preempting,  // Backup with preemption ignores a lower-priority master
  // Multicast instance: not sent to its group (a unicast address, or another group the shared
  // socket joined for another instance). keepalived's socket hears only the groups it joined and
  // checks the instance's; taking these would let a sender bypass the group.
  destination_not_vrrp_group,
  // IPv6 multicast instance: RFC 5798 5.1.2.1 says the source is the sender's link-local address.
  source_not_link_local,
};
inline constexpr size_t kDiscardReasonCount = static_cast<size_t>(DiscardReason::source_not_link_local) + 1;
std::string_view to_string(DiscardReason reason);
// A stable snake_case name for counters and metric labels ("auth_password_mismatch").
std::string_view metric_name(DiscardReason reason);

struct SendAdvertisement {
  Advertisement advert;
};
struct ArmTimer {
  TimerKind timer;
  TimePoint deadline;
};
struct CancelTimer {
  TimerKind timer;
};
struct StateChange {
  State from;
  State to;
  TransitionReason reason;
};
struct AdvertDiscarded {
  DiscardReason reason;
  std::string detail;
};
// A received advert that was acted on but points at a misconfiguration worth a log line.
enum class WarningKind : uint8_t {
  owner_address_list_differs,  // the address owner advertises other addresses than ours
  two_address_owners,
  lower_priority_master,  // a Master heard a router it beats (answered at once, or held back)
};
std::string_view to_string(WarningKind kind);
struct AdvertWarning {
  WarningKind kind;
  std::string detail;
};
struct PriorityChanged {
  uint8_t from;
  uint8_t to;
};

using Action = std::variant<SendAdvertisement, ArmTimer, CancelTimer, StateChange, AdvertDiscarded,
                            AdvertWarning, PriorityChanged>;
using Actions = std::vector<Action>;

class VrrpInstance {
 public:
  // Validates the parameters; throws std::invalid_argument naming the instance and the rule.
  explicit VrrpInstance(InstanceParameters parameters);

  Actions start(TimePoint now);
  // Resigns (priority-0 advert) if Master, then stops in Initialize.
  Actions shutdown(TimePoint now);
  // A reload's change of what RFC 5798 lets change in a running router: priority, advert
  // interval, preemption (nopreempt, preempt_delay), the address list and tracking weights. The
  // state is kept; a Master advertises the new values at once, and mastership then moves by the
  // ordinary rules (a preempting Backup that now beats the Master takes over when its
  // Master_Down_Timer fires, since it discards the lower-priority adverts). Tracked objects keep
  // their health. Throws std::invalid_argument when `next` is invalid or differs in anything else
  // (see updatable_in_place).
  Actions update(InstanceParameters next, TimePoint now);
  static bool updatable_in_place(const InstanceParameters& running, const InstanceParameters& next);
  // `ip`: the packet's source and destination (the TTL was the codec's to check).
  Actions on_advertisement(const Advertisement& advert, const ReceivedIpFacts& ip, TimePoint now);
  Actions on_timer_expired(TimerKind timer, TimePoint now);
  // The VRRP interface itself: down means Fault.
  Actions on_interface_state(bool up, TimePoint now);
  // A tracked object's result (name as in InstanceParameters::tracked). Throws
  // std::invalid_argument for an unknown name.
  Actions on_tracked_object(const TrackedId& id, bool healthy, TimePoint now);
  // A tracked file's new value (TrackedKind::file). Throws as on_tracked_object does.
  Actions on_tracked_value(const TrackedId& id, int value, TimePoint now);
  // vrrp_sync_group: the agent, which sees every member, reports the state the group moves to
  // when another member changed state. master: a Backup takes over now. backup: a Master steps
  // down without resigning (the group's new master is elsewhere). fault: the instance faults
  // with the group and stays there until told backup or master again. Other states are no-ops.
  Actions on_sync_group(State group_state, TimePoint now);

  State state() const { return state_; }
  const InstanceParameters& parameters() const { return parameters_; }
  uint8_t effective_priority() const { return priority_.effective(); }
  bool faulted() const { return !interface_up_ || group_fault_ || priority_.faulted(); }
  std::chrono::microseconds master_adver_interval() const { return master_adver_interval_; }
  std::chrono::microseconds skew_time() const;
  std::chrono::microseconds master_down_interval() const;
  // The router whose adverts this Backup last accepted.
  std::optional<IpAddress> current_master() const { return current_master_; }
  std::optional<TimePoint> timer_deadline(TimerKind timer) const;

 private:
  Advertisement make_advert(uint8_t priority) const;
  std::optional<AdvertDiscarded> check_advert(const Advertisement& advert, const ReceivedIpFacts& ip) const;
  bool multicast() const { return parameters_.unicast_peers.empty(); }
  // The Master's advert in answer to a received one, unless one was sent so within the interval.
  void answer_at_once(Actions& out, TimePoint now);
  bool address_list_matches(const Advertisement& advert) const;
  std::chrono::microseconds skew_for(unsigned priority_gap) const;

  void arm(Actions& out, TimerKind timer, TimePoint deadline);
  void cancel(Actions& out, TimerKind timer);
  void change_state(Actions& out, State to, TransitionReason reason);

  void enter_running(Actions& out, TimePoint now, bool from_startup);
  void become_master(Actions& out, TimePoint now, TransitionReason reason);
  void enter_backup(Actions& out, TimePoint now, TransitionReason reason,
                    std::chrono::microseconds down_after);
  void enter_fault(Actions& out);
  void reevaluate_fault(Actions& out, TimePoint now, uint8_t priority_before);

  void backup_receive(Actions& out, const Advertisement& advert, const IpAddress& source, TimePoint now);
  void master_receive(Actions& out, const Advertisement& advert, const IpAddress& source, TimePoint now);

  InstanceParameters parameters_;
  PriorityCalculator priority_;
  AuthData password_{};
  std::chrono::microseconds advertisement_interval_;
  std::chrono::microseconds master_adver_interval_;
  State state_ = State::initialize;
  bool started_ = false;
  bool interface_up_ = true;
  bool group_fault_ = false;
  std::optional<TimePoint> master_down_deadline_;
  std::optional<TimePoint> advert_deadline_;
  std::optional<TimePoint> preempt_deadline_;
  std::optional<IpAddress> current_master_;
  std::optional<TimePoint> last_answer_;  // the last advert sent at once in answer to a received one
};

}  // namespace xdplb::vrrp
