// The Agent's answers to the control socket (docs/control.md) and keepalived's dump signals.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <spdlog/fmt/chrono.h>
#include <spdlog/spdlog.h>

#include "agent/agent.h"
#include "agent/control_server.h"
#include "dataplane/reasons.h"

namespace xdplb::agent {

namespace {

std::string rfc3339(std::chrono::system_clock::time_point t) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", std::chrono::floor<std::chrono::seconds>(t));
}

double seconds_since(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::system_clock::now() - t).count();
}

nlohmann::json traffic_json(const dataplane::TrafficCounters& t) {
  return {{"packets", t.packets}, {"bytes", t.bytes}, {"new_flows", t.new_flows}};
}

// "tcp/198.18.0.100:80" matches "tcp/198.18.0.100:80" and, without the protocol, "198.18.0.100:80".
bool vip_matches(const std::string& key, const std::string& wanted) {
  if (key == wanted) return true;
  const auto slash = key.find('/');
  return wanted.find('/') == std::string::npos && slash != std::string::npos && key.substr(slash + 1) == wanted;
}

// Writes a temporary file next to `path` and renames it over `path`: a reader sees the old dump or
// the new one, never a partial one.
void replace_file(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp" + std::to_string(::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
  std::size_t written = 0;
  while (written < text.size()) {
    const auto n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      ::unlink(temporary.c_str());
      throw std::runtime_error("cannot write " + path + ": " + std::strerror(error));
    }
    written += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0 || ::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    throw std::runtime_error("cannot write " + path + ": " + std::strerror(error));
  }
}

}  // namespace

nlohmann::json Agent::handle_control(const std::string& command, const nlohmann::json& request) {
  if (command == "status") return status_json();
  if (command == "list") return list_json();
  if (command == "stats") return stats_json();
  if (command == "reload") return reload();
  if (command == "drain") return drain_json(request, true);
  if (command == "undrain") return drain_json(request, false);
  if (command == "verify") return verify_json();
  throw ControlError("unknown command " + command);
}

nlohmann::json Agent::status_json() const {
  nlohmann::json instances = nlohmann::json::array();
  if (vrrp_) {
    for (const auto& i : vrrp_->status()) {
      const std::string state(vrrp::to_string(i.state, vrrp::StateSpelling::status));
      nlohmann::json last = nullptr;
      if (i.transitions > 0)
        last = {{"from", std::string(vrrp::to_string(i.last_transition_from, vrrp::StateSpelling::status))},
                {"to", state},
                {"at", rfc3339(i.last_transition)},
                {"seconds_ago", seconds_since(i.last_transition)}, {"reason", i.last_transition_reason}};
      nlohmann::json dropped = nlohmann::json::object();
      for (const auto& [reason, count] : i.adverts_dropped) dropped[reason] = count;
      instances.push_back({{"name", i.name},
                           {"state", state},
                           {"priority", i.base_priority},
                           {"effective_priority", i.effective_priority},
                           {"interface", i.interface},
                           {"vips", i.virtual_addresses},
                           {"transitions", i.transitions},
                           {"last_transition", last},
                           {"adverts_dropped", dropped}});
    }
  }
  const auto vips = dataplane_->status();
  std::size_t active = 0;
  for (const auto& v : vips) active += v.active;
  nlohmann::json interfaces = nlohmann::json::array();
  for (const auto& a : dataplane_->attachments())
    interfaces.push_back({{"name", a.interface}, {"mode", dataplane::to_string(a.mode)}});
  return {{"instance", options_.instance},
          {"version", XDPLB_VERSION},
          {"pid", ::getpid()},
          {"uptime_seconds", seconds_since(started_at_)},
          {"config_file", options_.config_file},
          {"config_loaded_at", rfc3339(config_loaded_at_)},
          {"dataplane",
           {{"interfaces", interfaces},
            {"pin_dir", dataplane_->pin_dir()},
            {"vips_active", active},
            {"vips_total", vips.size()}}},
          {"vrrp_instances", instances}};
}

nlohmann::json Agent::list_json() const {
  const auto flows = dataplane_->flows_per_backend();
  std::map<std::pair<std::string, std::string>, bool> health;
  for (const auto& s : scheduler_->statuses()) health[{s.virtual_server, s.real_server}] = s.up;

  std::map<std::string, std::pair<const Service*, const dataplane::VipSpec*>> by_vip;
  for (const auto& s : plan_.services)
    for (const auto& v : s.vips) by_vip[v.key()] = {&s, &v};

  nlohmann::json services = nlohmann::json::array();
  for (const auto& vip : dataplane_->status()) {
    const auto found = by_vip.find(vip.key);
    const Service* service = found == by_vip.end() ? nullptr : found->second.first;
    nlohmann::json backends = nlohmann::json::array();
    for (const auto& b : vip.backends) {
      const std::string endpoint = b.key.endpoint();
      const auto h = service ? health.find({service->name, endpoint}) : health.end();
      std::uint32_t configured = b.weight;
      if (service && service->real_servers.count(endpoint)) configured = service->real_servers.at(endpoint).weight;
      const auto f = flows.find(b.id);
      backends.push_back({{"backend", endpoint},
                          {"forward", "dr"},
                          {"weight", b.weight},
                          {"configured_weight", configured},
                          {"health", h == health.end() || h->second ? "up" : "down"},
                          {"drained", drained_.count({vip.key, endpoint}) > 0},
                          {"sorry", b.key.role == dataplane::BackendRole::sorry_server},
                          {"resolved", b.resolved},
                          {"flows", f == flows.end() ? 0 : f->second}});
    }
    const std::uint32_t persistence = found == by_vip.end() ? 0 : found->second.second->persistence_timeout;
    services.push_back({{"vip", vip.key},
                        {"algorithm", dataplane::to_string(vip.algorithm)},
                        {"active", vip.active},
                        {"persistence_timeout", persistence},
                        {"ring_size", vip.ring_size},
                        {"backends", backends}});
  }
  return {{"version", XDPLB_VERSION}, {"conntrack_size", dataplane_->conntrack_size()}, {"virtual_servers", services}};
}

nlohmann::json Agent::stats_json() const {
  nlohmann::json services = nlohmann::json::array();
  for (const auto& vip : dataplane_->status()) {
    nlohmann::json entry = traffic_json(vip.traffic);
    entry["vip"] = vip.key;
    entry["backends"] = nlohmann::json::array();
    for (const auto& b : vip.backends) {
      nlohmann::json be = traffic_json(b.traffic);
      be["backend"] = b.key.endpoint();
      entry["backends"].push_back(std::move(be));
    }
    services.push_back(std::move(entry));
  }
  nlohmann::json verdicts = nlohmann::json::object();
  const auto totals = dataplane_->verdicts();
  for (unsigned r = 0; r < totals.size(); ++r)
    verdicts[std::string(dataplane::reason_name(r))] = {{"packets", totals[r].packets}, {"bytes", totals[r].bytes}};
  const auto flood = dataplane_->flood();
  nlohmann::json stats = {{"virtual_servers", services},
                          {"verdicts", verdicts},
                          {"conntrack_guard",
                           {{"flood_rate", dataplane_->flood_rate()},
                            {"flood_rate_auto", dataplane_->flood_rate_auto()},
                            {"untracked_packets", flood.untracked},
                            {"windows_flooded", flood.windows_flooded}}}};
  stats = stats_baseline_.since_clear(std::move(stats));
  stats["cleared_at"] = stats_cleared_at_ ? nlohmann::json(rfc3339(*stats_cleared_at_)) : nlohmann::json();
  return stats;
}

void Agent::clear_stats() {
  stats_baseline_ = StatsBaseline{};  // so that stats_json() shows the raw counters, the new baseline
  stats_baseline_.clear(stats_json());
  stats_cleared_at_ = std::chrono::system_clock::now();
  spdlog::info("statistics cleared: stats and the dumps count from now (metrics keep counting)");
}

nlohmann::json Agent::drain_json(const nlohmann::json& request, bool drain) {
  const std::string backend = request.at("backend").get<std::string>();
  const std::string vip = request.contains("vip") ? request.at("vip").get<std::string>() : "";
  nlohmann::json vips = nlohmann::json::array();
  bool changed = false;
  for (const auto& service : plan_.services) {
    if (!service.real_servers.count(backend)) continue;
    for (const auto& v : service.vips) {
      const std::string key = v.key();
      if (!vip.empty() && !vip_matches(key, vip)) continue;
      vips.push_back(key);
      changed |= drain ? drained_.insert({key, backend}).second : drained_.erase({key, backend}) > 0;
    }
  }
  if (vips.empty())
    throw ControlError(vip.empty() ? "no real server " + backend : "no real server " + backend + " in " + vip);
  if (changed) {
    spdlog::info("{} {} in {}", drain ? "drained" : "undrained", backend, vips.dump());
    sync_dataplane(drain ? SyncCause::drain : SyncCause::undrain);
  }
  return {{"backend", backend}, {"vips", vips}, {"changed", changed}};
}

void Agent::write_state_dump(const std::string& path) const {
  replace_file(path, "xdplbd " XDPLB_VERSION " instance " + options_.instance + " state dump\n" +
                         status_json().dump(2) + "\n" + list_json().dump(2) + "\n");
  spdlog::info("state dump written to {}", path);
}

void Agent::write_stats_dump(const std::string& path) const {
  replace_file(path, "xdplbd " XDPLB_VERSION " instance " + options_.instance + " stats dump\n" +
                         stats_json().dump(2) + "\n");
  spdlog::info("stats dump written to {}", path);
}

// The operator's self-check: what the agent intends (the same desired state a sync would be given)
// against what the kernel's maps hold now.
nlohmann::json Agent::verify_json() const {
  const auto desired = desired_dataplane();
  std::size_t backends = 0;
  for (const auto& v : desired) backends += v.backends.size() + (v.sorry_server ? 1 : 0);
  nlohmann::json discrepancies = nlohmann::json::array();
  for (const auto& d : dataplane_->verify(desired))
    discrepancies.push_back({{"subject", d.subject}, {"problem", d.problem}});
  if (!discrepancies.empty())
    spdlog::warn("verify: the data plane differs from the intended state in {} place(s)", discrepancies.size());
  return {{"vips", desired.size()}, {"backends", backends}, {"discrepancies", discrepancies}};
}

void Agent::write_json_dump(const std::string& path) const {
  const nlohmann::json dump = {{"instance", options_.instance},
                               {"version", XDPLB_VERSION},
                               {"written_at", rfc3339(std::chrono::system_clock::now())},
                               {"status", status_json()},
                               {"list", list_json()},
                               {"stats", stats_json()}};
  replace_file(path, dump.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  spdlog::info("JSON dump written to {}", path);
}

}  // namespace xdplb::agent
