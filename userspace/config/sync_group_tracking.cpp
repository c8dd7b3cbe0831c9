// What keepalived 2.2.7 does to the tracking of a vrrp_sync_group's members (parse_blocks.h).
// Measured against keepalived 2.2.7 itself: its -t and start print, for a member without
// sync_group_tracking_weight in its group,
//   (VI_1) ignoring tracked script chk with weights due to SYNC group
//   (VI_1) ignoring tracked file tf with weight 5 due to SYNC group
//   (VI_1) ignoring eth1 tracked interface weight due to SYNC group
// and then runs without the script and the file ("script chk is not used"), while the interface,
// when it goes down, still lowers the priority by its weight.
#include <algorithm>
#include <optional>

#include "config/parse_blocks.h"
#include "config/tracking_weight.h"

namespace xdplb::config::detail {

namespace {

template <typename Named>
const Named* find_named(const std::vector<Named>& items, const std::string& name) {
  const auto found = std::find_if(items.begin(), items.end(), [&](const Named& item) { return item.name == name; });
  return found == items.end() ? nullptr : &*found;
}

// A reference's weight, else its definition's; nullopt when the definition is unknown (an error
// validation reports).
std::optional<int> script_weight(const TrackedScript& track, const Config& config) {
  const auto* script = find_named(config.vrrp_scripts, track.name);
  if (!script) return std::nullopt;
  return effective_weight(track, *script);
}

std::optional<int> file_weight(const TrackedFile& track, const Config& config) {
  const auto* file = find_named(config.track_files, track.name);
  if (!file) return std::nullopt;
  return effective_weight(track, *file);
}

std::string why(const VrrpSyncGroup& group) {
  return " due to vrrp_sync_group " + group.name +
         ", as keepalived 2.2.7 does (sync_group_tracking_weight in the group keeps it)";
}

}  // namespace

void apply_sync_group_tracking(Config& config, Diagnostics& diagnostics) {
  for (const auto& group : config.sync_groups) {
    if (group.tracking_weight) continue;
    for (const auto& member : group.members) {
      auto instance = std::find_if(config.vrrp_instances.begin(), config.vrrp_instances.end(),
                                   [&](const VrrpInstance& i) { return i.name == member.name; });
      if (instance == config.vrrp_instances.end()) continue;
      std::erase_if(instance->track_scripts, [&](const TrackedScript& track) {
        if (script_weight(track, config).value_or(0) == 0) return false;
        diagnostics.keepalived_warning(track.location, "(" + instance->name + ") ignoring tracked script " + track.name +
                                                " with weights" + why(group));
        return true;
      });
      std::erase_if(instance->track_files, [&](const TrackedFile& track) {
        const int weight = file_weight(track, config).value_or(0);
        if (weight == 0) return false;
        diagnostics.keepalived_warning(track.location, "(" + instance->name + ") ignoring tracked file " + track.name +
                                                " with weight " + std::to_string(weight) + why(group));
        return true;
      });
      for (const auto& track : instance->track_interfaces) {
        if (track.weight.value_or(0) == 0) continue;
        diagnostics.keepalived_warning(track.location,
                            "(" + instance->name + ") track_interface " + track.name + " weight " +
                                std::to_string(*track.weight) + " in a member of vrrp_sync_group " + group.name +
                                ": keepalived 2.2.7 says it ignores this weight but applies it; xdplb applies it too");
      }
    }
  }
}

}  // namespace xdplb::config::detail
