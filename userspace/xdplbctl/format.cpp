#include "xdplbctl/format.h"

#include <algorithm>
#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <vector>

#include "contract/answers_json.h"
#include "xdplbctl/table.h"

namespace xdplb::ctl {
namespace {

std::string join(const std::vector<std::string>& strings) {
  std::string out;
  for (const auto& s : strings) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// ipvsadm's words, so that operators' eyes and scripts find the same column.
const char* forward_name(contract::Forwarding forwarding) {
  switch (forwarding) {
    case contract::Forwarding::dr: return "Route";
    case contract::Forwarding::tun: return "Tunnel";
    case contract::Forwarding::nat: return "Masq";
  }
  return "?";
}

std::string backend_health(const contract::ListedBackend& backend) {
  if (backend.sorry) return "sorry";
  if (backend.drained) return "drained";
  // Healthy but not served: its virtual server is out of service (quorum lost, say).
  if (!backend.in_dataplane && backend.health == contract::Health::up) return "unused";
  return std::string(contract::to_string(backend.health));
}

std::string interfaces_text(const contract::DataplaneStatus& dataplane) {
  std::string out;
  for (const auto& a : dataplane.interfaces)
    out += (out.empty() ? "" : ", ") + a.interface + (a.mode.empty() ? "" : " (" + a.mode + ")");
  return out;
}

std::string transition_text(const std::optional<contract::Transition>& last) {
  if (!last) return "-";
  return std::string(contract::to_string(last->from)) + "->" + std::string(contract::to_string(last->to)) + " " +
         format_duration(last->seconds_ago) + " ago";
}

// Received adverts the instances dropped, by reason: only the reasons that happened.
std::string dropped_adverts(const std::vector<contract::VrrpInstance>& instances) {
  std::string out;
  for (const auto& instance : instances) {
    std::string reasons;
    for (const auto& [reason, n] : instance.adverts_dropped)
      if (n > 0) reasons += (reasons.empty() ? "" : ", ") + reason + " " + number_text(n);
    if (!reasons.empty()) out += "  " + instance.name + ": " + reasons + "\n";
  }
  return out.empty() ? out : "Adverts dropped:\n" + out;
}

}  // namespace

VipDisplay split_vip_key(const std::string& key) {
  const auto slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  std::string protocol = key.substr(0, slash);
  std::transform(protocol.begin(), protocol.end(), protocol.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return {protocol, key.substr(slash + 1)};
}

std::string vip_column(const std::string& key) {
  const auto vip = split_vip_key(key);
  return pad(vip.protocol, 4) + " " + vip.endpoint;
}

std::string format_duration(double seconds) {
  if (!(seconds >= 0)) return "?";
  auto total = static_cast<std::uint64_t>(seconds);
  const auto days = total / 86400, hours = total / 3600 % 24, minutes = total / 60 % 60, secs = total % 60;
  char buffer[64];
  if (days)
    std::snprintf(buffer, sizeof(buffer), "%" PRIu64 "d%02" PRIu64 "h", days, hours);
  else if (hours)
    std::snprintf(buffer, sizeof(buffer), "%" PRIu64 "h%02" PRIu64 "m%02" PRIu64 "s", hours, minutes, secs);
  else if (minutes)
    std::snprintf(buffer, sizeof(buffer), "%" PRIu64 "m%02" PRIu64 "s", minutes, secs);
  else
    std::snprintf(buffer, sizeof(buffer), "%" PRIu64 "s", secs);
  return buffer;
}

std::string format_status(const contract::Status& status) {
  std::string out = "xdplbd " + status.version + ", instance " + status.instance + ", pid " +
                    std::to_string(status.pid) + ", up " + format_duration(status.uptime_seconds) + '\n';
  out += "Configuration: " + status.config_file + ", loaded " + contract::to_rfc3339(status.config_loaded_at) + '\n';
  const auto interfaces = interfaces_text(status.dataplane);
  out += "Data plane: " + (interfaces.empty() ? std::string("not attached") : "attached to " + interfaces) + "; " +
         number_text(status.dataplane.vips_active) + " of " + number_text(status.dataplane.vips_total) +
         " VIPs active\n";

  if (status.vrrp_instances.empty())
    return out + "No VRRP instance: virtual servers are served whenever the agent runs.\n";
  std::vector<std::vector<std::string>> rows = {
      {"VRRP instance", "State", "Prio", "Interface", "VRID", "Last transition", "VIPs"}};
  for (const auto& instance : status.vrrp_instances) {
    std::string priority = std::to_string(instance.priority);
    if (instance.effective_priority != instance.priority)
      priority = std::to_string(instance.effective_priority) + " (" + priority + ")";
    rows.push_back({instance.name, std::string(contract::to_string(instance.state)), priority, instance.interface,
                    instance.virtual_router_id ? number_text(*instance.virtual_router_id) : "-", transition_text(instance.last_transition),
                    join(instance.vips)});
  }
  return out + render_table(rows) + dropped_adverts(status.vrrp_instances);
}

std::string format_list(const contract::List& list, contract::Time now) {
  std::string out = "IP Virtual Server version xdplb " + list.version + " (size=" + number_text(list.conntrack_size) +
                    ")\nProt LocalAddress:Port Scheduler Flags\n";
  out += "  -> " + pad("RemoteAddress:Port", 28) + " Forward Weight Health   Flows  Since    Last check error\n";
  for (const auto& server : list.virtual_servers) {
    std::string header = vip_column(server.vip) + " " + server.algorithm;
    if (server.persistence_timeout > 0) header += " persistent " + number_text(server.persistence_timeout);
    if (!server.active) header += " standby";
    out += header + '\n';
    for (const auto& backend : server.backends) {
      std::string line = "  -> " + pad(backend.backend, 28) + " " + pad(forward_name(backend.forward), 7) + " " +
                         pad(number_text(backend.weight), 6) + " " + pad(backend_health(backend), 8) + " " +
                         pad(backend.flows ? number_text(*backend.flows) : "-", 6) + " " +
                         pad(backend.health_since ? format_duration(double((now - *backend.health_since).count())) : "-",
                             8) +
                         " " + backend.last_check_error.value_or("");
      line.erase(line.find_last_not_of(' ') + 1);
      out += line + '\n';
    }
  }
  if (list.flow_window_seconds)
    out += "Flows: conntrack entries seen in the last " + number_text(*list.flow_window_seconds) +
           " s (xdplbctl conns lists them)\n";
  return out;
}

std::string format_stats(const contract::Stats& stats) {
  std::vector<std::vector<std::string>> rows = {{"Prot LocalAddress:Port", "NewFlows", "Packets", "Bytes"},
                                                {"  -> RemoteAddress:Port", "", "", ""}};
  for (const auto& server : stats.virtual_servers) {
    rows.push_back({vip_column(server.vip), number_text(server.traffic.new_flows), number_text(server.traffic.packets),
                    number_text(server.traffic.bytes)});
    for (const auto& b : server.backends)
      rows.push_back({"  -> " + std::string(b.sorry ? "sorry " : "") + b.backend, number_text(b.traffic.new_flows),
                      number_text(b.traffic.packets), number_text(b.traffic.bytes)});
  }
  std::string out = stats.virtual_servers.empty() ? std::string() : render_table(rows, {false, true, true, true});

  std::vector<std::vector<std::string>> verdict_rows = {{"Verdict", "Packets", "Bytes"}};
  for (const auto& [name, counters] : stats.verdicts)
    verdict_rows.push_back({name, number_text(counters.packets), number_text(counters.bytes)});
  if (!out.empty()) out += '\n';
  out += render_table(verdict_rows, {false, true, true});
  // The pinned maps do not hold the guard's settings.
  if (const auto& guard = stats.conntrack_guard)
    out += "\nConntrack flood guard: " +
           (guard->flood_rate == 0 ? std::string("off")
                                   : "records up to " + number_text(guard->flood_rate) + " new flows/s per CPU") +
           (guard->flood_rate_auto ? " (auto)" : "") + "; " + number_text(guard->untracked_packets) +
           " packets forwarded untracked in " + number_text(guard->windows_flooded) + " flooded second(s)\n";
  if (stats.cleared_at) out += "Counting since " + contract::to_rfc3339(*stats.cleared_at) + " (statistics cleared)\n";
  return out;
}

std::string format_reload(const contract::Reload& reload) {
  std::string out = "reloaded " + reload.config_file + ": ";
  out += reload.changes.empty()
             ? std::string("no change")
             : number_text(reload.changes.size()) + (reload.changes.size() == 1 ? " change" : " changes");
  out += '\n';
  for (const auto& change : reload.changes) out += "  " + change + '\n';
  for (const auto& warning : reload.warnings) out += "  warning: " + warning + '\n';
  return out;
}

std::string format_drain(const contract::Drain& drain, bool drained) {
  const std::string on = join(drain.vips);
  std::string out =
      !drain.changed ? drain.backend + (drained ? " was already drained" : " was not drained") + " on " + on + "\n"
                     : (drained ? "drained " : "undrained ") + drain.backend + " on " + on +
                           (drained ? " (weight 0: established flows stay, new flows go elsewhere)\n"
                                    : " (configured weight restored)\n");
  if (drained && drain.active_flows)
    out += *drain.active_flows == 0 ? "no active flows left\n"
                                    : number_text(*drain.active_flows) +
                                          (*drain.active_flows == 1 ? " active flow left\n" : " active flows left\n");
  if (drain.persistence_error) out += "warning: " + *drain.persistence_error + "\n";
  return out;
}

std::string format_conns(const contract::Conns& conns) {
  std::vector<std::vector<std::string>> rows = {{"Pro", "Idle", "State", "Source", "Virtual", "Destination"}};
  for (const auto& c : conns.conns) {
    std::string protocol = c.protocol;
    std::transform(protocol.begin(), protocol.end(), protocol.begin(), [](unsigned char ch) { return std::toupper(ch); });
    rows.push_back({protocol, format_duration(c.idle_seconds), std::string(to_string(c.state)), c.client, c.vip,
                    c.backend ? (c.sorry ? "sorry " : "") + *c.backend : "-"});
  }
  std::string out = render_table(rows);
  out += number_text(conns.matched) + (conns.matched == 1 ? " entry" : " entries");
  if (conns.matched != conns.entries) out += " matched of " + number_text(conns.entries);
  out += " in a table of " + number_text(conns.conntrack_size);
  if (conns.conns.size() < conns.matched)
    out += "; showing the " + number_text(conns.conns.size()) + " seen last (--limit 0 shows all)";
  out += "; active: seen in the last " + number_text(conns.active_window_seconds) + " s\n";
  return out;
}

std::string format_verify(const contract::Verify& verify) {
  const std::string scope = number_text(verify.vips) + (verify.vips == 1 ? " VIP, " : " VIPs, ") +
                            number_text(verify.backends) + (verify.backends == 1 ? " backend" : " backends");
  if (verify.discrepancies.empty()) return "OK: the data plane serves what the agent intends (" + scope + ")\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : verify.discrepancies) rows.push_back({d.subject, d.problem});
  return number_text(verify.discrepancies.size()) + (verify.discrepancies.size() == 1 ? " difference" : " differences") +
         " between the intended state and the live maps (" + scope + "):\n" + render_table(rows);
}

}  // namespace xdplb::ctl
