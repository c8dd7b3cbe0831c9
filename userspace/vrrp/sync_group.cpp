#include "vrrp/sync_group.h"

#include <algorithm>

namespace xdplb::vrrp {

SyncGroup::SyncGroup(std::string name, std::vector<std::string> members)
    : name_(std::move(name)), members_(std::move(members)) {}

bool SyncGroup::has_member(const std::string& name) const {
  return std::find(members_.begin(), members_.end(), name) != members_.end();
}

std::optional<SyncGroup::Move> SyncGroup::member_changed(const std::string& member, const StateChange& change) {
  if (!has_member(member)) return std::nullopt;
  if (change.reason == TransitionReason::sync_group || change.reason == TransitionReason::shutdown) return std::nullopt;
  if (change.to == State::initialize) return std::nullopt;
  Move move{change.to, change.to != state_};
  state_ = change.to;
  return move;
}

}  // namespace xdplb::vrrp
