#include "agent/stats_baseline.h"

#include <cstdint>
#include <string>

namespace xdplb::agent {
namespace {

using Json = nlohmann::json;

void subtract(Json& now, const Json& base, const char* key) {
  if (!now.contains(key) || !base.contains(key)) return;
  const auto current = now[key].get<std::uint64_t>();
  const auto earlier = base[key].get<std::uint64_t>();
  if (current >= earlier) now[key] = current - earlier;
}

void subtract_traffic(Json& now, const Json& base) {
  for (const char* key : {"packets", "bytes", "new_flows"}) subtract(now, base, key);
}

// `object[key]`, or an empty array when it has none (const operator[] must not be used on a missing key).
const Json& member(const Json& object, const char* key) {
  static const Json none = Json::array();
  const auto found = object.find(key);
  return found == object.end() ? none : *found;
}

// The entry of `list` whose `key` field is `name`, or null.
const Json* find_by(const Json& list, const char* key, const Json& name) {
  for (const auto& entry : list)
    if (entry.value(key, Json()) == name) return &entry;
  return nullptr;
}

}  // namespace

void StatsBaseline::clear(const Json& stats) { baseline_ = stats; }

Json StatsBaseline::since_clear(Json stats) const {
  if (baseline_.is_null()) return stats;
  for (auto& vip : stats["virtual_servers"]) {
    const Json* base_vip = find_by(member(baseline_, "virtual_servers"), "vip", vip["vip"]);
    if (!base_vip) continue;
    subtract_traffic(vip, *base_vip);
    for (auto& backend : vip["backends"])
      if (const Json* base = find_by(member(*base_vip, "backends"), "backend", backend["backend"]))
        subtract_traffic(backend, *base);
  }
  for (auto& [reason, counters] : stats["verdicts"].items()) {
    const Json& verdicts = member(baseline_, "verdicts");
    const auto base = verdicts.find(reason);
    if (base == verdicts.end()) continue;
    subtract(counters, *base, "packets");
    subtract(counters, *base, "bytes");
  }
  if (stats.contains("conntrack_guard") && baseline_.contains("conntrack_guard")) {
    const Json& base = baseline_.at("conntrack_guard");
    subtract(stats["conntrack_guard"], base, "untracked_packets");
    subtract(stats["conntrack_guard"], base, "windows_flooded");
  }
  return stats;
}

}  // namespace xdplb::agent
