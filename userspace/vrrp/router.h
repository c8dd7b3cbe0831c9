// The VRRP runtime: every instance's state machine (fsm.h) driven on the agent's Asio loop, with
// its sockets, timers, addresses, announcements, tracking, sync groups and notifications. It is
// the only place that carries out the actions the state machines return. Independent of the
// configuration model: the agent maps its config onto RouterSettings.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <spdlog/common.h>

#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "vrrp/addresses.h"
#include "vrrp/announcer.h"
#include "vrrp/fsm.h"
#include "common/interface_sysctl.h"
#include "vrrp/log_limiter.h"
#include "vrrp/notifier.h"
#include "vrrp/notify_fifo.h"
#include "vrrp/rules.h"
#include "vrrp/smtp_alert.h"
#include "common/track_file.h"
#include "vrrp/tracker.h"

namespace xdplb::vrrp {

class VrrpSocket;
class LinkMonitor;
class SyncGroup;

struct InstanceSettings {
  InstanceParameters vrrp;  // primary_address already resolved
  std::string interface;
  // Everything a Master adds: virtual_ipaddress (advertised) and virtual_ipaddress_excluded.
  std::vector<AddressSpec> addresses;
  std::vector<RouteSpec> routes;
  std::vector<RuleSpec> rules;  // virtual_rules
  bool use_vmac = false;
  std::string vmac_name;        // the macvlan's name when use_vmac
  bool vmac_xmit_base = false;  // adverts leave through the base interface, not the vmac
  AnnounceTiming announce;
  bool dont_track_primary = false;
  EncodeOptions encode;
  NotifyCommands notify;
  bool smtp_alert = false;

  bool operator==(const InstanceSettings&) const = default;
};

// True when `next` differs from the running instance only in what changes in place, keeping the
// state (VrrpInstance::update): priority, advert_int, nopreempt, preempt_delay, track weights and
// the addresses it adds (virtual_ipaddress, virtual_ipaddress_excluded).
bool updatable_in_place(const InstanceSettings& running, const InstanceSettings& next);

// What a reconfigure did, by instance name.
struct Reconfiguration {
  std::vector<std::string> updated_in_place;  // kept their state
  std::vector<std::string> restarted;         // changed otherwise: resigned and started anew
};

struct SyncGroupSettings {
  std::string name;
  std::vector<std::string> members;
  NotifyCommands notify;
  bool smtp_alert = false;
};

// A track_file some instance tracks: its file is watched while the router runs.
struct TrackFileSettings {
  std::string name;
  std::string path;

  bool operator==(const TrackFileSettings&) const = default;
};

struct RouterSettings {
  std::vector<InstanceSettings> instances;
  std::vector<ScriptSettings> scripts;
  std::vector<TrackFileSettings> track_files;
  std::vector<SyncGroupSettings> sync_groups;
  SmtpSettings smtp;
  NotifyRunAs notify_as;
  std::chrono::milliseconds notify_timeout{15000};
  // keepalived's notify_fifo / vrrp_notify_fifo: every transition also goes there as one line.
  std::vector<std::string> notify_fifos;
};

struct InstanceStatus {
  std::string name;
  std::string interface;
  uint8_t vrid = 0;
  State state = State::initialize;
  int base_priority = 0;
  int effective_priority = 0;
  std::vector<IpAddress> virtual_addresses;  // all that a Master adds
  std::chrono::system_clock::time_point last_transition{};
  State last_transition_from = State::initialize;
  std::string last_transition_reason;
  unsigned transitions = 0;
  // Received adverts this instance dropped, by DiscardReason (index = the enum's value).
  std::array<uint64_t, kDiscardReasonCount> adverts_dropped{};
};

// Repeated advert drops and warnings are logged once per instance, reason and interval.
inline constexpr std::chrono::seconds kAdvertLogInterval{10};

class Router {
 public:
  using StateHandler = std::function<void(const std::string& instance, State from, State to)>;

  // Validates every instance (std::invalid_argument) and checks the sync groups' members.
  Router(asio::io_context& io, RouterSettings settings, StateHandler on_change);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Removes leftovers of a crashed run (configured VIPs, routes, rules, vmac links), creates the vmac
  // links, opens the sockets, starts tracking and every state machine. Throws on a failure to
  // open what the instances need (socket, netlink).
  void start();
  // Resigns where Master (priority-0 advert), removes every address, route, rule and link it added,
  // runs notify_stop. Idempotent.
  void stop();

  // Applies `next` in place when only vrrp_instances differ. An instance named in `replace`
  // (changed) is updated in place, keeping its state, when updatable_in_place says so; otherwise
  // it restarts: it resigns and releases what it added, then starts anew. Instances missing from
  // `next` are removed, new ones start, every other instance keeps its state (no flap). `next`
  // must have the same scripts, sync groups and global settings. Returns nullopt, changing nothing,
  // when a sync group's member would leave or arrive: the caller restarts the whole router then.
  std::optional<Reconfiguration> reconfigure(RouterSettings next, const std::set<std::string>& replace);

  bool holds(const IpAddress& address) const;
  bool manages(const IpAddress& address) const;
  std::string interface_of(const IpAddress& address) const;
  std::vector<InstanceStatus> status() const;

 private:
  struct Instance;
  struct SocketEntry;

  void open_sockets();
  void leave_unused_groups();
  void attach_sockets(Instance& instance);
  void create_vmac(Instance& instance);
  void start_instance(Instance& instance);
  void cleanup_leftovers();
  void on_packet(SocketEntry& entry, const struct ReceivedPacket& packet);
  void on_link(const struct LinkEvent& event);
  void on_script(const std::string& script, bool healthy);
  void start_track_files();
  void on_file(const std::string& file, int value);
  void execute(Instance& instance, Actions actions);
  void send_advert(Instance& instance, const Advertisement& advert);
  void arm_timer(Instance& instance, TimerKind kind, TimePoint deadline);
  void on_state_change(Instance& instance, const StateChange& change);
  void take_addresses(Instance& instance);
  void announce_addresses(Instance& instance);
  void update_in_place(Instance& instance, InstanceSettings next);
  void reconcile_addresses(Instance& instance);
  void release_addresses(Instance& instance);
  void follow_sync_group(Instance& instance, const StateChange& change);
  void alert(bool group, const std::string& name, State state);
  void log_limited(spdlog::level::level_enum level, const std::string& key, const std::string& detail);
  void arm_log_summary();
  Instance* find(const std::string& name);

  asio::io_context& io_;
  RouterSettings settings_;
  StateHandler on_change_;
  std::vector<std::unique_ptr<Instance>> instances_;
  std::vector<std::unique_ptr<SyncGroup>> groups_;
  std::map<std::pair<std::string, bool>, std::unique_ptr<SocketEntry>> sockets_;
  std::vector<std::unique_ptr<ScriptTracker>> scripts_;
  std::map<std::string, std::unique_ptr<TrackFileWatch>> files_;
  std::map<std::string, bool> link_usable_;
  std::unique_ptr<LinkMonitor> link_monitor_;
  std::unique_ptr<AddressManager> addresses_;
  std::unique_ptr<RuleManager> rules_;
  std::unique_ptr<HostLinks> links_;
  SysctlChanges base_sysctls_;  // of the vmac base interfaces, restored on stop
  std::vector<std::unique_ptr<NotifyFifo>> fifos_;  // before notifier_, which writes to them
  Notifier notifier_;
  bool started_ = false;
  bool stopped_ = false;
  bool following_group_ = false;  // state changes made for a sync group are not propagated again
  LogLimiter advert_log_{kAdvertLogInterval};
  std::map<std::string, spdlog::level::level_enum> advert_log_levels_;  // by LogLimiter key
  asio::steady_timer advert_log_timer_;
  bool advert_log_timer_armed_ = false;
};

}  // namespace xdplb::vrrp
