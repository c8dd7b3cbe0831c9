#include "vrrp/router.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "vrrp/link_monitor.h"
#include "vrrp/socket.h"
#include "vrrp/sync_group.h"
#include "vrrp/transition_steps.h"

namespace xdplb::vrrp {

struct Router::Instance {
  Instance(asio::io_context& io, InstanceSettings s)
      : settings(std::move(s)),
        fsm(settings.vrrp),
        master_down_timer(io),
        advert_timer(io),
        announcer(io, settings.vrrp.name, settings.announce) {}

  const std::string& name() const { return settings.vrrp.name; }
  bool ipv6() const { return settings.vrrp.primary_address.is_v6(); }
  bool unicast() const { return !settings.vrrp.unicast_peers.empty(); }
  // Adverts leave through the vmac (their source MAC is then the virtual router MAC, as RFC 5798
  // 7.3 wants) unless vmac_xmit_base.
  const std::string& send_interface() const {
    return settings.use_vmac && !settings.vmac_xmit_base ? settings.vmac_name : settings.interface;
  }
  asio::steady_timer& timer(TimerKind kind) {
    return kind == TimerKind::master_down ? master_down_timer : advert_timer;
  }

  InstanceSettings settings;
  VrrpInstance fsm;
  asio::steady_timer master_down_timer;
  asio::steady_timer advert_timer;
  Announcer announcer;
  VrrpSocket* send_socket = nullptr;
  std::vector<AddressSpec> added;
  std::vector<RouteSpec> routes_added;
  std::vector<RuleSpec> rules_added;
  bool vmac_created = false;
  std::chrono::system_clock::time_point last_transition{};
  State last_from = State::initialize;
  std::string last_reason;
  unsigned transitions = 0;
  std::array<uint64_t, kDiscardReasonCount> adverts_dropped{};
};

struct Router::SocketEntry {
  std::unique_ptr<VrrpSocket> socket;
  std::vector<Instance*> instances;  // those that receive here
};

namespace {

std::vector<std::unique_ptr<NotifyFifo>> open_fifos(const std::vector<std::string>& paths) {
  std::vector<std::unique_ptr<NotifyFifo>> fifos;
  for (const auto& path : paths) fifos.push_back(std::make_unique<NotifyFifo>(path));
  return fifos;
}

// Drops that point at a misconfiguration or a forged packet are worth an operator's attention;
// the others (a vrid not ours, a backup ignoring a lower priority) are routine.
spdlog::level::level_enum advert_drop_level(DiscardReason reason) {
  switch (reason) {
    case DiscardReason::address_list_mismatch:
    case DiscardReason::auth_type_mismatch:
    case DiscardReason::auth_password_mismatch:
    case DiscardReason::advert_interval_mismatch:
    case DiscardReason::destination_not_vrrp_group:
    case DiscardReason::source_not_link_local: return spdlog::level::info;
    default: return spdlog::level::debug;
  }
}

std::vector<NotifyFifo*> pointers(const std::vector<std::unique_ptr<NotifyFifo>>& fifos) {
  std::vector<NotifyFifo*> out;
  for (const auto& f : fifos) out.push_back(f.get());
  return out;
}

}  // namespace

Router::Router(asio::io_context& io, RouterSettings settings, StateHandler on_change)
    : io_(io),
      settings_(std::move(settings)),
      on_change_(std::move(on_change)),
      fifos_(open_fifos(settings_.notify_fifos)),
      notifier_(io, settings_.notify_as, settings_.notify_timeout, pointers(fifos_)),
      advert_log_timer_(io) {
  std::set<std::string> names;
  for (auto& s : settings_.instances) {
    if (!names.insert(s.vrrp.name).second)
      throw std::invalid_argument("VRRP instance " + s.vrrp.name + " is defined twice");
    instances_.push_back(std::make_unique<Instance>(io_, s));
  }
  for (const auto& g : settings_.sync_groups) {
    for (const auto& member : g.members)
      if (!find(member))
        throw std::invalid_argument("vrrp_sync_group " + g.name + ": no vrrp_instance named " + member);
    groups_.push_back(std::make_unique<SyncGroup>(g.name, g.members));
  }
}

Router::~Router() { stop(); }

Router::Instance* Router::find(const std::string& name) {
  for (auto& instance : instances_)
    if (instance->name() == name) return instance.get();
  return nullptr;
}

void Router::start() {
  if (started_) return;
  started_ = true;
  links_ = std::make_unique<HostLinks>();
  addresses_ = std::make_unique<AddressManager>();
  rules_ = std::make_unique<RuleManager>();
  cleanup_leftovers();
  for (auto& instance : instances_) create_vmac(*instance);
  open_sockets();
  link_monitor_ = std::make_unique<LinkMonitor>(io_, [this](const LinkEvent& e) { on_link(e); });

  for (const auto& script : settings_.scripts) {
    scripts_.push_back(std::make_unique<ScriptTracker>(
        io_, script, [this](const std::string& name, bool healthy) { on_script(name, healthy); }));
  }
  start_track_files();
  for (auto& instance : instances_) start_instance(*instance);
  for (auto& script : scripts_) script->start();
}

void Router::create_vmac(Instance& instance) {
  const auto& s = instance.settings;
  if (!s.use_vmac) return;
  addresses_->create_vmac(s.vmac_name, s.interface, virtual_router_mac(s.vrrp.vrid, instance.ipv6()));
  instance.vmac_created = true;
  // As keepalived does: the base interface must not answer ARP for the VIPs that live on the vmac
  // (else clients learn the base MAC), and the vmac accepts what the base would filter. And the
  // base's own ARP requests (for replies sent from a VIP) name its own address, not the VIP's:
  // a request "who has CLIENT, tell VIP at BASE-MAC" would point the client's cache at the base.
  base_sysctls_.set(s.interface, "arp_ignore", "1");
  base_sysctls_.set(s.interface, "arp_filter", "1");
  base_sysctls_.set(s.interface, "arp_announce", "2");
  write_interface_sysctl(s.vmac_name, "arp_filter", "0");
  write_interface_sysctl(s.vmac_name, "accept_local", "1");
  write_interface_sysctl(s.vmac_name, "rp_filter", "0");
  spdlog::info("({}) vmac {} created on {}", instance.name(), s.vmac_name, s.interface);
}

void Router::start_instance(Instance& instance) {
  execute(instance, instance.fsm.start(Clock::now()));
  // The state the links are in now; later changes arrive through the link monitor.
  const auto own = links_->link(instance.settings.interface);
  link_usable_[instance.settings.interface] = own && own->usable();
  if (!instance.settings.dont_track_primary && !(own && own->usable())) {
    spdlog::warn("({}) interface {} is down", instance.name(), instance.settings.interface);
    execute(instance, instance.fsm.on_interface_state(false, Clock::now()));
  }
  for (const auto& tracked : instance.settings.vrrp.tracked) {
    if (tracked.id.kind == TrackedKind::file) {
      const auto watch = files_.find(tracked.id.name);
      if (watch != files_.end() && watch->second->value() != 0)
        execute(instance, instance.fsm.on_tracked_value(tracked.id, watch->second->value(), Clock::now()));
      continue;
    }
    if (tracked.id.kind != TrackedKind::interface) continue;
    const std::string& ifname = tracked.id.name;
    const auto facts = links_->link(ifname);
    const bool usable = facts && facts->usable();
    link_usable_[ifname] = usable;
    if (!usable) execute(instance, instance.fsm.on_tracked_object(tracked.id, false, Clock::now()));
  }
}

void Router::cleanup_leftovers() {
  // A crashed run cannot have removed what it held: a duplicate VIP on the wire next to the real
  // Master's is worse than a moment without it, so everything configured goes before we start.
  for (auto& instance : instances_) {
    const auto& s = instance->settings;
    for (const auto& route : s.routes) {
      try {
        if (addresses_->remove_route(route))
          spdlog::warn("({}) removed leftover route {}", instance->name(), route.describe());
      } catch (const NetlinkError& e) {
        spdlog::debug("({}) leftover route check: {}", instance->name(), e.what());
      }
    }
    for (const auto& rule : s.rules) {
      try {
        if (rules_->remove_rule(rule)) spdlog::warn("({}) removed leftover rule {}", instance->name(), rule.describe());
      } catch (const NetlinkError& e) {
        spdlog::debug("({}) leftover rule check: {}", instance->name(), e.what());
      }
    }
    for (const auto& address : s.addresses) {
      if (address.address == s.vrrp.primary_address) continue;  // the node's own address: never ours
      if (!addresses_->has_address(address)) continue;
      addresses_->remove_address(address);
      spdlog::warn("({}) removed leftover address {}", instance->name(), address.describe());
    }
    if (s.use_vmac && addresses_->delete_vmac(s.vmac_name))
      spdlog::warn("({}) removed leftover vmac {}", instance->name(), s.vmac_name);
  }
}

void Router::attach_sockets(Instance& instance) {
  auto socket_for = [this](const std::string& interface, bool ipv6) -> SocketEntry& {
    auto& entry = sockets_[{interface, ipv6}];
    if (!entry) {
      const auto facts = links_->link(interface);
      if (!facts) throw std::runtime_error("VRRP interface " + interface + " does not exist");
      entry = std::make_unique<SocketEntry>();
      entry->socket = std::make_unique<VrrpSocket>(io_, interface, facts->ifindex, ipv6);
      SocketEntry* e = entry.get();
      e->socket->start([this, e](const ReceivedPacket& packet) { on_packet(*e, packet); });
    }
    return *entry;
  };
  auto& receive = socket_for(instance.settings.interface, instance.ipv6());
  receive.instances.push_back(&instance);
  if (!instance.unicast()) receive.socket->join(multicast_group_of(instance.settings.vrrp));
  instance.send_socket = socket_for(instance.send_interface(), instance.ipv6()).socket.get();
}

void Router::open_sockets() {
  for (auto& instance : instances_) attach_sockets(*instance);
}

// After a reload a group no instance listens on any more (its mcast_dst_ip or global group
// changed, or the instance left) is left, so its adverts stop reaching the socket.
void Router::leave_unused_groups() {
  for (auto& [key, entry] : sockets_) {
    std::set<IpAddress> wanted;
    for (const Instance* instance : entry->instances)
      if (!instance->unicast()) wanted.insert(multicast_group_of(instance->settings.vrrp));
    const auto joined = entry->socket->groups();
    for (const auto& group : joined) {
      if (wanted.count(group)) continue;
      entry->socket->leave(group);
      spdlog::info("VRRP socket on {} left multicast group {}: no instance listens there now",
                   entry->socket->interface(), group.to_string());
    }
  }
}

std::optional<Reconfiguration> Router::reconfigure(RouterSettings next, const std::set<std::string>& changed) {
  if (!started_ || stopped_) return std::nullopt;
  std::set<std::string> next_names;
  for (const auto& s : next.instances) next_names.insert(s.vrrp.name);
  Reconfiguration done;
  std::map<std::string, const InstanceSettings*> in_place;
  std::set<std::string> replace;
  for (const auto& name : changed) {
    const Instance* running = find(name);
    const auto it = std::find_if(next.instances.begin(), next.instances.end(),
                                 [&](const InstanceSettings& s) { return s.vrrp.name == name; });
    if (running && it != next.instances.end() && updatable_in_place(running->settings, *it))
      in_place[name] = &*it;
    else
      replace.insert(name);
  }
  std::set<std::string> leaving = replace;
  for (const auto& instance : instances_)
    if (!next_names.count(instance->name())) leaving.insert(instance->name());
  std::set<std::string> arriving;
  for (const auto& s : next.instances)
    if (replace.count(s.vrrp.name) || !find(s.vrrp.name)) arriving.insert(s.vrrp.name);
  // Sync groups tie instances together: a group whose member leaves or arrives needs a restart.
  for (const auto& g : settings_.sync_groups)
    for (const auto& member : g.members)
      if (leaving.count(member) || arriving.count(member)) return std::nullopt;

  const auto now = Clock::now();
  for (auto it = instances_.begin(); it != instances_.end();) {
    Instance& instance = **it;
    if (!leaving.count(instance.name())) {
      ++it;
      continue;
    }
    execute(instance, instance.fsm.shutdown(now));
    instance.master_down_timer.cancel();
    instance.advert_timer.cancel();
    release_addresses(instance);
    if (instance.vmac_created) {
      try {
        addresses_->delete_vmac(instance.settings.vmac_name);
      } catch (const std::exception& e) {
        spdlog::error("({}) {}", instance.name(), e.what());
      }
    }
    for (auto& [key, entry] : sockets_)
      std::erase(entry->instances, &instance);
    spdlog::info("({}) removed by a reload", instance.name());
    it = instances_.erase(it);
  }
  for (const auto& [name, settings] : in_place) {
    update_in_place(*find(name), *settings);
    done.updated_in_place.push_back(name);
  }
  settings_.instances = next.instances;
  for (const auto& s : next.instances) {
    if (!arriving.count(s.vrrp.name)) continue;
    if (replace.count(s.vrrp.name)) done.restarted.push_back(s.vrrp.name);
    instances_.push_back(std::make_unique<Instance>(io_, s));
    Instance& instance = *instances_.back();
    create_vmac(instance);
    attach_sockets(instance);
    start_instance(instance);
    spdlog::info("({}) started by a reload", instance.name());
  }
  leave_unused_groups();
  return done;
}

void Router::update_in_place(Instance& instance, InstanceSettings next) {
  const uint8_t priority_before = instance.fsm.effective_priority();
  instance.settings = std::move(next);
  execute(instance, instance.fsm.update(instance.settings.vrrp, Clock::now()));
  // A state change above took or released the addresses already; a Master that stays Master
  // gets the difference only, so the VIPs that stay are never removed.
  if (instance.fsm.state() == State::master) reconcile_addresses(instance);
  spdlog::info("({}) updated in place by a reload, staying {} (priority {} -> {})", instance.name(),
               to_string(instance.fsm.state(), StateSpelling::status), priority_before,
               instance.fsm.effective_priority());
}

void Router::reconcile_addresses(Instance& instance) {
  const auto& wanted = instance.settings.addresses;
  for (auto it = instance.added.begin(); it != instance.added.end();) {
    if (std::find(wanted.begin(), wanted.end(), *it) != wanted.end()) {
      ++it;
      continue;
    }
    try {
      addresses_->remove_address(*it);
      spdlog::info("({}) address {} removed by a reload", instance.name(), it->describe());
    } catch (const std::exception& e) {
      spdlog::error("({}) {}", instance.name(), e.what());
    }
    it = instance.added.erase(it);
  }
  bool added_any = false;
  for (const auto& spec : wanted) {
    if (std::find(instance.added.begin(), instance.added.end(), spec) != instance.added.end()) continue;
    try {
      addresses_->add_address(spec);
      instance.added.push_back(spec);
      added_any = true;
      spdlog::info("({}) address {} added by a reload", instance.name(), spec.describe());
    } catch (const std::exception& e) {
      spdlog::error("({}) {}", instance.name(), e.what());
    }
  }
  // New addresses are announced like a new Master's; the announcer's schedule covers them all.
  if (added_any) announce_addresses(instance);
}

void Router::on_packet(SocketEntry& entry, const ReceivedPacket& packet) {
  if (entry.instances.empty()) return;  // a vmac's send-only socket
  const auto decoded = decode_advertisement(packet.message, packet.ip);
  if (const auto* failure = std::get_if<DecodeFailure>(&decoded)) {
    log_limited(spdlog::level::debug,
                "VRRP packet on " + entry.socket->interface() + " dropped: " + std::string(to_string(failure->error)),
                "from " + packet.ip.source.to_string() + " (" + failure->detail + ")");
    return;
  }
  const auto& advert = std::get<DecodedAdvertisement>(decoded).advert;
  bool matched = false;
  for (Instance* instance : entry.instances) {
    if (instance->settings.vrrp.vrid != advert.vrid) continue;
    matched = true;
    execute(*instance, instance->fsm.on_advertisement(advert, packet.ip, Clock::now()));
  }
  if (!matched)
    spdlog::debug("VRRP advert for VRID {} from {} on {}: no instance of ours", advert.vrid,
                  packet.ip.source.to_string(), entry.socket->interface());
}

void Router::on_link(const LinkEvent& event) {
  auto known = link_usable_.find(event.name);
  if (known == link_usable_.end() || known->second == event.usable) return;
  known->second = event.usable;
  spdlog::info("interface {} is {}", event.name, event.usable ? "up" : (event.deleted ? "gone" : "down"));
  const auto now = Clock::now();
  for (auto& instance : instances_) {
    if (instance->settings.interface == event.name && !instance->settings.dont_track_primary)
      execute(*instance, instance->fsm.on_interface_state(event.usable, now));
    const TrackedId tracked{TrackedKind::interface, event.name};
    for (const auto& object : instance->settings.vrrp.tracked)
      if (object.id == tracked) execute(*instance, instance->fsm.on_tracked_object(tracked, event.usable, now));
  }
}

void Router::on_script(const std::string& script, bool healthy) {
  const TrackedId tracked{TrackedKind::script, script};
  const auto now = Clock::now();
  for (auto& instance : instances_)
    for (const auto& object : instance->settings.vrrp.tracked)
      if (object.id == tracked) execute(*instance, instance->fsm.on_tracked_object(tracked, healthy, now));
}

void Router::start_track_files() {
  for (const auto& file : settings_.track_files) {
    auto watch = std::make_unique<TrackFileWatch>(io_, file.name, file.path,
                                                  [this, name = file.name](int value) { on_file(name, value); });
    if (const auto problem = watch->start(); !problem.empty())
      spdlog::error("track_file {}: {}; its value stays {}", file.name, problem, watch->value());
    files_[file.name] = std::move(watch);
  }
}

void Router::on_file(const std::string& file, int value) {
  const TrackedId tracked{TrackedKind::file, file};
  const auto now = Clock::now();
  for (auto& instance : instances_)
    for (const auto& object : instance->settings.vrrp.tracked)
      if (object.id == tracked) execute(*instance, instance->fsm.on_tracked_value(tracked, value, now));
}

void Router::execute(Instance& instance, Actions actions) {
  for (auto& action : actions) {
    if (auto* send = std::get_if<SendAdvertisement>(&action)) {
      send_advert(instance, send->advert);
    } else if (auto* arm = std::get_if<ArmTimer>(&action)) {
      arm_timer(instance, arm->timer, arm->deadline);
    } else if (auto* cancel = std::get_if<CancelTimer>(&action)) {
      instance.timer(cancel->timer).cancel();
    } else if (auto* change = std::get_if<StateChange>(&action)) {
      on_state_change(instance, *change);
    } else if (auto* discarded = std::get_if<AdvertDiscarded>(&action)) {
      ++instance.adverts_dropped[static_cast<size_t>(discarded->reason)];
      log_limited(advert_drop_level(discarded->reason),
                  "(" + instance.name() + ") advert ignored: " + std::string(to_string(discarded->reason)),
                  discarded->detail);
    } else if (auto* warning = std::get_if<AdvertWarning>(&action)) {
      log_limited(spdlog::level::warn, "(" + instance.name() + ") " + std::string(to_string(warning->kind)),
                  warning->detail);
    } else if (auto* priority = std::get_if<PriorityChanged>(&action)) {
      spdlog::info("({}) priority changed from {} to {}", instance.name(), priority->from, priority->to);
    }
  }
}

void Router::log_limited(spdlog::level::level_enum level, const std::string& key, const std::string& detail) {
  if (!spdlog::should_log(level)) return;
  const auto held = advert_log_.admit(key, Clock::now());
  if (!held) {
    advert_log_levels_[key] = level;
    arm_log_summary();
    return;
  }
  if (*held == 0)
    spdlog::log(level, "{}: {}", key, detail);
  else
    spdlog::log(level, "{}: {} (and {} more like it in the last {} s)", key, detail, *held,
                std::chrono::duration_cast<std::chrono::seconds>(advert_log_.interval()).count());
}

// A flood that stops leaves its count unreported until the next event of its kind: a timer
// reports it when the interval is over.
void Router::arm_log_summary() {
  if (advert_log_timer_armed_ || stopped_) return;
  const auto due = advert_log_.next_flush();
  if (!due) return;
  advert_log_timer_armed_ = true;
  advert_log_timer_.expires_at(*due);
  advert_log_timer_.async_wait([this](const std::error_code& ec) {
    advert_log_timer_armed_ = false;
    if (ec || stopped_) return;
    for (const auto& held : advert_log_.flush(Clock::now())) {
      const auto level = advert_log_levels_.count(held.key) ? advert_log_levels_[held.key] : spdlog::level::info;
      spdlog::log(level, "{}: {} more in the last {} s", held.key, held.count,
                  std::chrono::duration_cast<std::chrono::seconds>(advert_log_.interval()).count());
      advert_log_levels_.erase(held.key);
    }
    arm_log_summary();
  });
}

void Router::send_advert(Instance& instance, const Advertisement& advert) {
  const auto& source = instance.settings.vrrp.primary_address;
  for (const auto& destination : advert_destinations(instance.settings.vrrp)) {
    std::vector<uint8_t> message;
    try {
      message = encode_advertisement(advert, source, destination, instance.settings.encode);
    } catch (const std::invalid_argument& e) {
      spdlog::error("({}) advert not sent: {}", instance.name(), e.what());
      return;
    }
    if (const auto ec = instance.send_socket->send(message, source, destination))
      spdlog::warn("({}) sending advert to {} on {} failed: {}", instance.name(), destination.to_string(),
                   instance.send_interface(), ec.message());
    else
      spdlog::debug("({}) advert priority {} sent to {}", instance.name(), advert.priority, destination.to_string());
  }
}

void Router::arm_timer(Instance& instance, TimerKind kind, TimePoint deadline) {
  auto& timer = instance.timer(kind);
  timer.expires_at(deadline);
  timer.async_wait([this, &instance, kind](const std::error_code& ec) {
    if (ec || stopped_) return;
    execute(instance, instance.fsm.on_timer_expired(kind, Clock::now()));
  });
}

void Router::on_state_change(Instance& instance, const StateChange& change) {
  const auto t0 = Clock::now();
  spdlog::info("({}) Entering {} STATE (was {}, priority {}, reason: {})", instance.name(),
               to_string(change.to, StateSpelling::status), to_string(change.from, StateSpelling::status),
               instance.fsm.effective_priority(), to_string(change.reason));
  instance.last_transition = std::chrono::system_clock::now();
  instance.last_from = change.from;
  instance.last_reason = std::string(to_string(change.reason));
  ++instance.transitions;
  const bool adds_connected_network =
      std::any_of(instance.settings.addresses.begin(), instance.settings.addresses.end(), [](const auto& spec) {
        return spec.prefix_length < (spec.address.is_v4() ? 32 : 128);
      });
  for (const auto step : transition_steps(change.from, change.to, adds_connected_network)) {
    switch (step) {
      case TransitionStep::update_data_plane:
        if (on_change_) on_change_(instance.name(), change.from, change.to);
        break;
      case TransitionStep::take_addresses:
        take_addresses(instance);
        spdlog::debug("({}) addresses taken in {} us", instance.name(),
                      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count());
        break;
      case TransitionStep::release_addresses:
        release_addresses(instance);
        spdlog::debug("({}) addresses released in {} us", instance.name(),
                      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count());
        break;
      case TransitionStep::notify:
        if (change.to != State::initialize || change.reason == TransitionReason::shutdown)
          notifier_.notify(instance.settings.notify, NotifySubject::instance, instance.name(), change.to,
                           instance.fsm.effective_priority());
        if (instance.settings.smtp_alert) alert(false, instance.name(), change.to);
        break;
    }
  }
  if (!following_group_) follow_sync_group(instance, change);
}

void Router::take_addresses(Instance& instance) {
  for (const auto& spec : instance.settings.addresses) {
    try {
      addresses_->add_address(spec);
      instance.added.push_back(spec);
    } catch (const std::exception& e) {
      spdlog::error("({}) {}", instance.name(), e.what());
    }
  }
  for (const auto& route : instance.settings.routes) {
    try {
      addresses_->add_route(route);
      instance.routes_added.push_back(route);
    } catch (const std::exception& e) {
      spdlog::error("({}) {}", instance.name(), e.what());
    }
  }
  for (const auto& rule : instance.settings.rules) {
    try {
      rules_->add_rule(rule);
      instance.rules_added.push_back(rule);
    } catch (const std::exception& e) {
      spdlog::error("({}) {}", instance.name(), e.what());
    }
  }
  announce_addresses(instance);
}

void Router::announce_addresses(Instance& instance) {
  std::map<std::string, AnnounceTarget> by_device;
  for (const auto& spec : instance.added) {
    auto& target = by_device[spec.device];
    if (target.interface.empty()) {
      const auto facts = links_->link(spec.device);
      if (!facts) continue;
      target.interface = spec.device;
      target.ifindex = facts->ifindex;
      target.source_mac = facts->mac;
      if (const auto link_local = links_->primary_address(spec.device, true)) target.link_local = link_local->to_v6();
      else if (instance.ipv6()) target.link_local = instance.settings.vrrp.primary_address.to_v6();
    }
    target.addresses.push_back(spec.address);
  }
  std::vector<AnnounceTarget> targets;
  for (auto& [device, target] : by_device)
    if (!target.interface.empty()) targets.push_back(std::move(target));
  instance.announcer.start(std::move(targets));
}

void Router::release_addresses(Instance& instance) {
  instance.announcer.stop();
  for (const auto& rule : instance.rules_added) {
    try {
      rules_->remove_rule(rule);
    } catch (const std::exception& e) {
      spdlog::error("({}) {}", instance.name(), e.what());
    }
  }
  instance.rules_added.clear();
  for (const auto& route : instance.routes_added) {
    try {
      addresses_->remove_route(route);
    } catch (const std::exception& e) {
      spdlog::error("({}) {}", instance.name(), e.what());
    }
  }
  instance.routes_added.clear();
  for (const auto& spec : instance.added) {
    try {
      addresses_->remove_address(spec);
    } catch (const std::exception& e) {
      spdlog::error("({}) {}", instance.name(), e.what());
    }
  }
  instance.added.clear();
}

void Router::follow_sync_group(Instance& instance, const StateChange& change) {
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    auto& group = *groups_[g];
    const auto move = group.member_changed(instance.name(), change);
    if (!move) continue;
    const auto& group_settings = settings_.sync_groups[g];
    if (move->group_changed) {
      spdlog::info("VRRP_Group({}) Syncing instances to {} state (after {})", group.name(),
                   to_string(move->target, StateSpelling::notify), instance.name());
      notifier_.notify(group_settings.notify, NotifySubject::group, group.name(), move->target, 0);
      if (group_settings.smtp_alert) alert(true, group.name(), move->target);
    }
    following_group_ = true;
    const auto now = Clock::now();
    for (const auto& member : group.members()) {
      if (member == instance.name()) continue;
      if (Instance* other = find(member)) execute(*other, other->fsm.on_sync_group(move->target, now));
    }
    following_group_ = false;
  }
}

void Router::alert(bool group, const std::string& name, State state) {
  if (!settings_.smtp.enabled()) return;
  const std::string state_name(to_string(state, StateSpelling::notify));
  send_smtp_alert(io_, settings_.smtp, vrrp_alert_message(settings_.smtp.router_id, group, name, state_name),
                  [name, state_name](const std::string& error) {
                    if (error.empty())
                      spdlog::info("({}) SMTP alert for {} sent", name, state_name);
                    else
                      spdlog::warn("({}) SMTP alert for {} not sent: {}", name, state_name, error);
                  });
}

void Router::stop() {
  if (!started_ || stopped_) return;
  const auto now = Clock::now();
  for (auto& script : scripts_) script->stop();
  files_.clear();
  for (auto& instance : instances_) {
    execute(*instance, instance->fsm.shutdown(now));
    instance->master_down_timer.cancel();
    instance->advert_timer.cancel();
    release_addresses(*instance);
  }
  stopped_ = true;
  for (auto& instance : instances_) {
    if (!instance->vmac_created) continue;
    try {
      addresses_->delete_vmac(instance->settings.vmac_name);
    } catch (const std::exception& e) {
      spdlog::error("({}) {}", instance->name(), e.what());
    }
    instance->vmac_created = false;
  }
  base_sysctls_.restore();
  advert_log_timer_.cancel();
  link_monitor_.reset();
  sockets_.clear();
}

bool Router::holds(const IpAddress& address) const {
  for (const auto& instance : instances_) {
    if (instance->fsm.state() != State::master) continue;
    for (const auto& spec : instance->settings.addresses)
      if (spec.address == address) return true;
  }
  return false;
}

bool Router::manages(const IpAddress& address) const {
  return !interface_of(address).empty();
}

std::string Router::interface_of(const IpAddress& address) const {
  for (const auto& instance : instances_)
    for (const auto& spec : instance->settings.addresses)
      if (spec.address == address) return instance->settings.interface;
  return "";
}

std::vector<InstanceStatus> Router::status() const {
  std::vector<InstanceStatus> out;
  for (const auto& instance : instances_) {
    InstanceStatus s;
    s.name = instance->name();
    s.interface = instance->settings.interface;
    s.vrid = instance->settings.vrrp.vrid;
    s.state = instance->fsm.state();
    s.base_priority = instance->settings.vrrp.priority;
    s.effective_priority = instance->fsm.effective_priority();
    for (const auto& spec : instance->settings.addresses) s.virtual_addresses.push_back(spec.address);
    s.last_transition = instance->last_transition;
    s.last_transition_from = instance->last_from;
    s.last_transition_reason = instance->last_reason;
    s.transitions = instance->transitions;
    s.adverts_dropped = instance->adverts_dropped;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace xdplb::vrrp
