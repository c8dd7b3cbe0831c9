#include "xdplbctl/format.h"

#include <algorithm>
#include <cctype>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

namespace xdplb::ctl {
namespace {

using Json = nlohmann::json;

// Field access that names what is wrong: "status.vrrp_instances[0].state is missing".
const Json& member(const Json& object, const char* key, const std::string& where) {
  if (!object.is_object()) throw ResponseError("agent answer: " + where + " is not an object");
  const auto it = object.find(key);
  if (it == object.end()) throw ResponseError("agent answer: " + where + "." + key + " is missing");
  return *it;
}

const Json* optional_member(const Json& object, const char* key) {
  const auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::string text(const Json& object, const char* key, const std::string& where) {
  const Json& value = member(object, key, where);
  if (!value.is_string()) throw ResponseError("agent answer: " + where + "." + key + " is not a string");
  return value.get<std::string>();
}

std::string optional_text(const Json& object, const char* key, const std::string& fallback = "") {
  const Json* value = optional_member(object, key);
  return value && value->is_string() ? value->get<std::string>() : fallback;
}

std::uint64_t count(const Json& object, const char* key, const std::string& where) {
  const Json& value = member(object, key, where);
  if (!value.is_number_unsigned() && !(value.is_number_integer() && value.get<std::int64_t>() >= 0))
    throw ResponseError("agent answer: " + where + "." + key + " is not a non-negative integer");
  return value.get<std::uint64_t>();
}

const Json& array(const Json& object, const char* key, const std::string& where) {
  const Json& value = member(object, key, where);
  if (!value.is_array()) throw ResponseError("agent answer: " + where + "." + key + " is not an array");
  return value;
}

std::string indexed(const std::string& where, const char* key, std::size_t index) {
  return where + "." + key + "[" + std::to_string(index) + "]";
}

std::string number_text(std::uint64_t value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%" PRIu64, value);
  return buffer;
}

std::string rate_text(double value) {
  char buffer[48];
  std::snprintf(buffer, sizeof(buffer), "%.1f", value);
  return buffer;
}

// Columns as wide as their widest cell, two spaces apart; the last column is not padded.
std::string render_table(const std::vector<std::vector<std::string>>& rows,
                         const std::vector<bool>& right_align = {}) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (widths.size() <= c) widths.resize(c + 1, 0);
      widths[c] = std::max(widths[c], row[c].size());
    }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      const bool right = c < right_align.size() && right_align[c];
      const std::string padding(widths[c] - row[c].size(), ' ');
      if (c) line += "  ";
      if (right)
        line += padding + row[c];
      else
        line += row[c] + (c + 1 < row.size() ? padding : "");
    }
    // Empty trailing cells leave padding nobody wants at the end of a line.
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + '\n';
  }
  return out;
}

std::string join(const Json& strings, const std::string& where) {
  std::string out;
  for (std::size_t i = 0; i < strings.size(); ++i) {
    if (!strings[i].is_string())
      throw ResponseError("agent answer: " + where + "[" + std::to_string(i) + "] is not a string");
    out += (i ? ", " : "") + strings[i].get<std::string>();
  }
  return out;
}

std::string pad(const std::string& value, std::size_t width) {
  return value.size() >= width ? value : value + std::string(width - value.size(), ' ');
}

const char* forward_name(const std::string& method) {
  // ipvsadm's words, so that operators' eyes and scripts find the same column.
  if (method == "dr") return "Route";
  if (method == "tun") return "Tunnel";
  if (method == "nat") return "Masq";
  return "?";
}

std::string backend_health(const Json& backend, const std::string& where) {
  if (const Json* sorry = optional_member(backend, "sorry");
      sorry && sorry->is_boolean() && sorry->get<bool>())
    return "sorry";
  if (const Json* drained = optional_member(backend, "drained");
      drained && drained->is_boolean() && drained->get<bool>())
    return "drained";
  return text(backend, "health", where);
}

// Counters of one stats entry: packets, bytes, new flows.
struct Traffic {
  std::uint64_t packets = 0, bytes = 0, new_flows = 0;
};

Traffic traffic(const Json& entry, const std::string& where) {
  return {count(entry, "packets", where), count(entry, "bytes", where), count(entry, "new_flows", where)};
}

double per_second(std::uint64_t before, std::uint64_t after, double seconds) {
  // A counter that went down was reset (id reused, maps recreated): count from zero.
  const std::uint64_t delta = after >= before ? after - before : after;
  return static_cast<double>(delta) / seconds;
}

Json traffic_rates(const Traffic& before, const Traffic& after, double seconds) {
  return {{"packets_per_second", per_second(before.packets, after.packets, seconds)},
          {"bytes_per_second", per_second(before.bytes, after.bytes, seconds)},
          {"new_flows_per_second", per_second(before.new_flows, after.new_flows, seconds)}};
}

double rate(const Json& object, const char* key, const std::string& where) {
  const Json& value = member(object, key, where);
  if (!value.is_number()) throw ResponseError("agent answer: " + where + "." + key + " is not a number");
  return value.get<double>();
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

std::string format_status(const Json& status) {
  const std::string where = "status";
  std::string out = "xdplbd";
  if (const Json* version = optional_member(status, "version"); version && version->is_string())
    out += " " + version->get<std::string>();
  out += ", instance " + text(status, "instance", where);
  if (const Json* pid = optional_member(status, "pid"); pid && pid->is_number_integer())
    out += ", pid " + std::to_string(pid->get<std::int64_t>());
  if (const Json* uptime = optional_member(status, "uptime_seconds"); uptime && uptime->is_number())
    out += ", up " + format_duration(uptime->get<double>());
  out += '\n';

  if (const auto config = optional_text(status, "config_file"); !config.empty()) {
    out += "Configuration: " + config;
    if (const auto loaded = optional_text(status, "config_loaded_at"); !loaded.empty())
      out += ", loaded " + loaded;
    out += '\n';
  }
  if (const Json* dataplane = optional_member(status, "dataplane")) {
    const std::string dp_where = where + ".dataplane";
    std::string interfaces;
    if (const Json* list = optional_member(*dataplane, "interfaces")) {
      if (!list->is_array()) throw ResponseError("agent answer: " + dp_where + ".interfaces is not an array");
      for (std::size_t i = 0; i < list->size(); ++i) {
        const auto item_where = indexed(dp_where, "interfaces", i);
        interfaces += (i ? ", " : "") + text((*list)[i], "name", item_where);
        if (const auto mode = optional_text((*list)[i], "mode"); !mode.empty())
          interfaces += " (" + mode + ")";
      }
    }
    out += "Data plane: " + (interfaces.empty() ? std::string("not attached") : "attached to " + interfaces);
    if (optional_member(*dataplane, "vips_total"))
      out += "; " + number_text(count(*dataplane, "vips_active", dp_where)) + " of " +
             number_text(count(*dataplane, "vips_total", dp_where)) + " VIPs active";
    out += '\n';
  }

  const Json& instances = array(status, "vrrp_instances", where);
  if (instances.empty()) {
    out += "No VRRP instance: virtual servers are served whenever the agent runs.\n";
    return out;
  }
  std::vector<std::vector<std::string>> rows = {
      {"VRRP instance", "State", "Prio", "Interface", "VRID", "Last transition", "VIPs"}};
  for (std::size_t i = 0; i < instances.size(); ++i) {
    const Json& instance = instances[i];
    const auto item = indexed(where, "vrrp_instances", i);
    std::string priority = number_text(count(instance, "priority", item));
    if (const Json* effective = optional_member(instance, "effective_priority"))
      if (effective->is_number_unsigned() &&
          effective->get<std::uint64_t>() != count(instance, "priority", item))
        priority = number_text(effective->get<std::uint64_t>()) + " (" + priority + ")";
    std::string vrid = "-";
    if (const Json* id = optional_member(instance, "virtual_router_id"); id && id->is_number_unsigned())
      vrid = number_text(id->get<std::uint64_t>());
    std::string transition = "-";
    if (const Json* last = optional_member(instance, "last_transition")) {
      const auto last_where = item + ".last_transition";
      transition = text(*last, "from", last_where) + "->" + text(*last, "to", last_where);
      if (const Json* ago = optional_member(*last, "seconds_ago"); ago && ago->is_number())
        transition += " " + format_duration(ago->get<double>()) + " ago";
    }
    rows.push_back({text(instance, "name", item), text(instance, "state", item), priority,
                    optional_text(instance, "interface", "-"), vrid, transition,
                    join(array(instance, "vips", item), item + ".vips")});
  }
  out += render_table(rows);
  // Received adverts the instances dropped, by reason: only the reasons that happened.
  std::string drops;
  for (std::size_t i = 0; i < instances.size(); ++i) {
    const Json* dropped = optional_member(instances[i], "adverts_dropped");
    if (!dropped) continue;
    const auto item = indexed(where, "vrrp_instances", i) + ".adverts_dropped";
    if (!dropped->is_object()) throw ResponseError("agent answer: " + item + " is not an object");
    std::string reasons;
    for (const auto& [reason, n] : dropped->items()) {
      if (!n.is_number_integer() || n.get<std::int64_t>() < 0)
        throw ResponseError("agent answer: " + item + "." + reason + " is not a count");
      if (n.get<std::uint64_t>() > 0) reasons += (reasons.empty() ? "" : ", ") + reason + " " + number_text(n.get<std::uint64_t>());
    }
    if (!reasons.empty()) drops += "  " + text(instances[i], "name", indexed(where, "vrrp_instances", i)) + ": " + reasons + "\n";
  }
  if (!drops.empty()) out += "Adverts dropped:\n" + drops;
  return out;
}

std::string format_list(const Json& list) {
  const std::string where = "list";
  std::string out = "IP Virtual Server version xdplb " + optional_text(list, "version", "?");
  if (optional_member(list, "conntrack_size"))
    out += " (size=" + number_text(count(list, "conntrack_size", where)) + ")";
  out += "\nProt LocalAddress:Port Scheduler Flags\n";
  out += "  -> " + pad("RemoteAddress:Port", 28) + " Forward Weight Health   Flows\n";
  const Json& servers = array(list, "virtual_servers", where);
  for (std::size_t i = 0; i < servers.size(); ++i) {
    const Json& server = servers[i];
    const auto item = indexed(where, "virtual_servers", i);
    const auto vip = split_vip_key(text(server, "vip", item));
    std::string line = pad(vip.protocol, 4) + " " + vip.endpoint + " " + text(server, "algorithm", item);
    if (const Json* persistence = optional_member(server, "persistence_timeout");
        persistence && persistence->is_number_unsigned() && persistence->get<std::uint64_t>() > 0)
      line += " persistent " + number_text(persistence->get<std::uint64_t>());
    if (const Json* active = optional_member(server, "active");
        active && active->is_boolean() && !active->get<bool>())
      line += " standby";
    out += line + '\n';
    const Json& backends = array(server, "backends", item);
    for (std::size_t b = 0; b < backends.size(); ++b) {
      const Json& backend = backends[b];
      const auto backend_where = indexed(item, "backends", b);
      std::string flows = "-";  // the agent may not count flows (conntrack walk disabled or failed)
      if (optional_member(backend, "flows")) flows = number_text(count(backend, "flows", backend_where));
      out += "  -> " + pad(text(backend, "backend", backend_where), 28) + " " +
             pad(forward_name(optional_text(backend, "forward", "dr")), 7) + " " +
             pad(number_text(count(backend, "weight", backend_where)), 6) + " " +
             pad(backend_health(backend, backend_where), 8) + " " + flows + '\n';
    }
  }
  return out;
}

std::string format_stats(const Json& stats) {
  const std::string where = "stats";
  std::vector<std::vector<std::string>> rows = {{"Prot LocalAddress:Port", "NewFlows", "Packets", "Bytes"},
                                                {"  -> RemoteAddress:Port", "", "", ""}};
  const Json& servers = array(stats, "virtual_servers", where);
  for (std::size_t i = 0; i < servers.size(); ++i) {
    const auto item = indexed(where, "virtual_servers", i);
    const auto vip = split_vip_key(text(servers[i], "vip", item));
    const auto totals = traffic(servers[i], item);
    rows.push_back({pad(vip.protocol, 4) + " " + vip.endpoint, number_text(totals.new_flows),
                    number_text(totals.packets), number_text(totals.bytes)});
    const Json& backends = array(servers[i], "backends", item);
    for (std::size_t b = 0; b < backends.size(); ++b) {
      const auto backend_where = indexed(item, "backends", b);
      const auto counters = traffic(backends[b], backend_where);
      rows.push_back({"  -> " + text(backends[b], "backend", backend_where), number_text(counters.new_flows),
                      number_text(counters.packets), number_text(counters.bytes)});
    }
  }
  std::string out = servers.empty() ? std::string() : render_table(rows, {false, true, true, true});

  const Json& verdicts = member(stats, "verdicts", where);
  if (!verdicts.is_object()) throw ResponseError("agent answer: stats.verdicts is not an object");
  std::vector<std::vector<std::string>> verdict_rows = {{"Verdict", "Packets", "Bytes"}};
  for (const auto& [name, counters] : verdicts.items())
    verdict_rows.push_back({name, number_text(count(counters, "packets", where + ".verdicts." + name)),
                            number_text(count(counters, "bytes", where + ".verdicts." + name))});
  if (!out.empty()) out += '\n';
  out += render_table(verdict_rows, {false, true, true});
  // Agents older than the flood guard do not send it.
  if (const Json* guard = optional_member(stats, "conntrack_guard")) {
    const auto guard_where = where + ".conntrack_guard";
    const auto rate = count(*guard, "flood_rate", guard_where);
    const Json* automatic = optional_member(*guard, "flood_rate_auto");
    if (automatic && !automatic->is_boolean())
      throw ResponseError("agent answer: " + guard_where + ".flood_rate_auto is not a boolean");
    out += "\nConntrack flood guard: " +
           (rate == 0 ? std::string("off") : "records up to " + number_text(rate) + " new flows/s per CPU") +
           (automatic && automatic->get<bool>() ? " (auto)" : "") + "; " +
           number_text(count(*guard, "untracked_packets", guard_where)) + " packets forwarded untracked in " +
           number_text(count(*guard, "windows_flooded", guard_where)) + " flooded second(s)\n";
  }
  return out;
}

Json compute_rates(const Json& before, const Json& after, double seconds) {
  if (!(seconds > 0)) throw std::invalid_argument("rate interval must be positive");
  std::map<std::string, std::pair<Traffic, std::map<std::string, Traffic>>> earlier;
  const Json& servers_before = array(before, "virtual_servers", "stats");
  for (std::size_t i = 0; i < servers_before.size(); ++i) {
    const auto item = indexed("stats", "virtual_servers", i);
    auto& entry = earlier[text(servers_before[i], "vip", item)];
    entry.first = traffic(servers_before[i], item);
    const Json& backends = array(servers_before[i], "backends", item);
    for (std::size_t b = 0; b < backends.size(); ++b) {
      const auto backend_where = indexed(item, "backends", b);
      entry.second[text(backends[b], "backend", backend_where)] = traffic(backends[b], backend_where);
    }
  }

  Json rates = {
      {"interval_seconds", seconds}, {"virtual_servers", Json::array()}, {"verdicts", Json::object()}};
  const Json& servers_after = array(after, "virtual_servers", "stats");
  for (std::size_t i = 0; i < servers_after.size(); ++i) {
    const auto item = indexed("stats", "virtual_servers", i);
    const auto key = text(servers_after[i], "vip", item);
    const auto found = earlier.find(key);
    const Traffic zero;
    Json server = traffic_rates(found == earlier.end() ? zero : found->second.first,
                                traffic(servers_after[i], item), seconds);
    server["vip"] = key;
    server["backends"] = Json::array();
    const Json& backends = array(servers_after[i], "backends", item);
    for (std::size_t b = 0; b < backends.size(); ++b) {
      const auto backend_where = indexed(item, "backends", b);
      const auto backend_key = text(backends[b], "backend", backend_where);
      Traffic previous;
      if (found != earlier.end())
        if (const auto it = found->second.second.find(backend_key); it != found->second.second.end())
          previous = it->second;
      Json backend = traffic_rates(previous, traffic(backends[b], backend_where), seconds);
      backend["backend"] = backend_key;
      server["backends"].push_back(std::move(backend));
    }
    rates["virtual_servers"].push_back(std::move(server));
  }

  const Json& verdicts_before = member(before, "verdicts", "stats");
  const Json& verdicts_after = member(after, "verdicts", "stats");
  if (!verdicts_before.is_object() || !verdicts_after.is_object())
    throw ResponseError("agent answer: stats.verdicts is not an object");
  for (const auto& [name, counters] : verdicts_after.items()) {
    const auto verdict_where = "stats.verdicts." + name;
    std::uint64_t packets_before = 0, bytes_before = 0;
    if (const auto it = verdicts_before.find(name); it != verdicts_before.end()) {
      packets_before = count(*it, "packets", verdict_where);
      bytes_before = count(*it, "bytes", verdict_where);
    }
    rates["verdicts"][name] = {
        {"packets_per_second",
         per_second(packets_before, count(counters, "packets", verdict_where), seconds)},
        {"bytes_per_second", per_second(bytes_before, count(counters, "bytes", verdict_where), seconds)}};
  }
  return rates;
}

std::string format_rates(const Json& rates) {
  const std::string where = "rates";
  std::vector<std::vector<std::string>> rows = {
      {"Prot LocalAddress:Port", "NewFlows/s", "Packets/s", "Bytes/s"},
      {"  -> RemoteAddress:Port", "", "", ""}};
  const Json& servers = array(rates, "virtual_servers", where);
  for (std::size_t i = 0; i < servers.size(); ++i) {
    const auto item = indexed(where, "virtual_servers", i);
    const auto vip = split_vip_key(text(servers[i], "vip", item));
    rows.push_back({pad(vip.protocol, 4) + " " + vip.endpoint,
                    rate_text(rate(servers[i], "new_flows_per_second", item)),
                    rate_text(rate(servers[i], "packets_per_second", item)),
                    rate_text(rate(servers[i], "bytes_per_second", item))});
    const Json& backends = array(servers[i], "backends", item);
    for (std::size_t b = 0; b < backends.size(); ++b) {
      const auto backend_where = indexed(item, "backends", b);
      const Json& backend = backends[b];
      rows.push_back({"  -> " + text(backend, "backend", backend_where),
                      rate_text(rate(backend, "new_flows_per_second", backend_where)),
                      rate_text(rate(backend, "packets_per_second", backend_where)),
                      rate_text(rate(backend, "bytes_per_second", backend_where))});
    }
  }
  std::string out = servers.empty() ? std::string() : render_table(rows, {false, true, true, true}) + "\n";
  std::vector<std::vector<std::string>> verdict_rows = {{"Verdict", "Packets/s", "Bytes/s"}};
  for (const auto& [name, counters] : member(rates, "verdicts", where).items())
    verdict_rows.push_back({name,
                            rate_text(rate(counters, "packets_per_second", where + ".verdicts." + name)),
                            rate_text(rate(counters, "bytes_per_second", where + ".verdicts." + name))});
  return out + render_table(verdict_rows, {false, true, true});
}

std::string format_reload(const Json& reload) {
  const std::string where = "reload";
  const Json& changes = array(reload, "changes", where);
  std::string out = "reloaded " + text(reload, "config_file", where) + ": ";
  out += changes.empty() ? std::string("no change")
                         : number_text(changes.size()) + (changes.size() == 1 ? " change" : " changes");
  out += '\n';
  for (std::size_t i = 0; i < changes.size(); ++i) {
    if (!changes[i].is_string())
      throw ResponseError("agent answer: " + indexed(where, "changes", i) + " is not a string");
    out += "  " + changes[i].get<std::string>() + '\n';
  }
  if (const Json* warnings = optional_member(reload, "warnings"); warnings && warnings->is_array())
    for (const auto& warning : *warnings)
      if (warning.is_string()) out += "  warning: " + warning.get<std::string>() + '\n';
  return out;
}

std::string format_drain(const Json& drain, bool drained) {
  const std::string where = drained ? "drain" : "undrain";
  const auto backend = text(drain, "backend", where);
  const Json& vips = array(drain, "vips", where);
  const Json& changed = member(drain, "changed", where);
  if (!changed.is_boolean()) throw ResponseError("agent answer: " + where + ".changed is not a boolean");
  const std::string on = join(vips, where + ".vips");
  if (!changed.get<bool>())
    return backend + (drained ? " was already drained" : " was not drained") + " on " + on + "\n";
  return (drained ? "drained " : "undrained ") + backend + " on " + on +
         (drained ? " (weight 0: established flows stay, new flows go elsewhere)\n"
                  : " (configured weight restored)\n");
}

bool verify_is_clean(const Json& verify) { return array(verify, "discrepancies", "verify").empty(); }

std::string format_verify(const Json& verify) {
  const std::string where = "verify";
  const auto vips = count(verify, "vips", where);
  const auto backends = count(verify, "backends", where);
  const Json& found = array(verify, "discrepancies", where);
  const std::string scope = number_text(vips) + (vips == 1 ? " VIP, " : " VIPs, ") + number_text(backends) +
                            (backends == 1 ? " backend" : " backends");
  if (found.empty()) return "OK: the data plane serves what the agent intends (" + scope + ")\n";
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < found.size(); ++i) {
    const auto item = indexed(where, "discrepancies", i);
    rows.push_back({text(found[i], "subject", item), text(found[i], "problem", item)});
  }
  return number_text(found.size()) + (found.size() == 1 ? " difference" : " differences") +
         " between the intended state and the live maps (" + scope + "):\n" + render_table(rows);
}

}  // namespace xdplb::ctl
