// vrrp_sync_group: its members move together. When one member changes state on its own (an
// election, a fault), the others are told to follow (VrrpInstance::on_sync_group): one Master
// makes them all Master, one Backup makes them all Backup, one Fault puts them all in Fault until
// it recovers. Moves the group itself caused are not propagated again, or two members would
// echo each other forever. Pure: the runtime applies the answer.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "vrrp/fsm.h"

namespace xdplb::vrrp {

class SyncGroup {
 public:
  SyncGroup(std::string name, std::vector<std::string> members);

  struct Move {
    State target;              // what every other member is told (on_sync_group)
    bool group_changed = false;  // the group's own state changed: run the group's notify
  };
  // `member` changed state by itself. nullopt when nothing is to follow (not a member, a change
  // the group caused, shutdown, or Initialize).
  std::optional<Move> member_changed(const std::string& member, const StateChange& change);

  bool has_member(const std::string& name) const;
  const std::string& name() const { return name_; }
  const std::vector<std::string>& members() const { return members_; }
  State state() const { return state_; }

 private:
  std::string name_;
  std::vector<std::string> members_;
  State state_ = State::initialize;
};

}  // namespace xdplb::vrrp
