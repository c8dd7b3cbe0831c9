// What the operator's flow views gather while the conntrack table is walked (Dataplane::FlowWalk):
// conns' entries, list's active flows per backend, drain's active flows of one real server. Each is
// fed entry by entry, so that the walk can run a batch per loop turn.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "contract/answers.h"
#include "dataplane/dataplane.h"

namespace xdplb::agent {

using BackendOwner = dataplane::Dataplane::BackendOwner;

// A VIP key as the operator may name it: "tcp/198.18.0.100:80" matches "tcp/198.18.0.100:80" and,
// without the protocol, "198.18.0.100:80".
bool vip_key_matches(const std::string& key, const std::string& wanted);

// The most entries one conns answer carries (about 15 MB of JSON): building and sending it takes one
// loop turn, so it is bounded; `matched` still counts every entry the filter took.
inline constexpr std::uint32_t kMaxConnsPerAnswer = 100'000;

// xdplbctl conns: the entries the request's filter takes, at most `limit` of them (0: all), the most
// recently seen first.
class ConnsCollector {
 public:
  explicit ConnsCollector(contract::ConnsRequest request) : request_(std::move(request)) {}
  void visit(const dataplane::FlowEntry& flow, const BackendOwner* owner);
  contract::Conns finish(std::uint64_t entries, std::uint64_t conntrack_size);

 private:
  struct Match {
    dataplane::FlowEntry flow;
    std::optional<BackendOwner> owner;  // a copy: the walk's pointer lives only for the visit
  };
  struct SeenLater {
    bool operator()(const Match& a, const Match& b) const { return a.flow.idle < b.flow.idle; }
  };
  contract::ConnsRequest request_;
  // With a limit only that many are kept while walking: a max-heap on idle time.
  std::priority_queue<Match, std::vector<Match>, SeenLater> kept_;
  std::uint64_t matched_ = 0;
};

// Flows seen within the active window, per backend id of their current owner (list's `flows`).
class ActiveFlowsPerBackend {
 public:
  void visit(const dataplane::FlowEntry& flow, const BackendOwner* owner);
  const std::map<std::uint32_t, std::uint64_t>& counts() const { return counts_; }

 private:
  std::map<std::uint32_t, std::uint64_t> counts_;
};

// Flows seen within the active window that one real server carries in some VIPs (drain's
// active_flows); its flows as the sorry server do not count.
class ActiveFlowsOfRealServer {
 public:
  ActiveFlowsOfRealServer(std::string real_server, const std::vector<std::string>& vips)
      : real_server_(std::move(real_server)), vips_(vips.begin(), vips.end()) {}
  void visit(const dataplane::FlowEntry& flow, const BackendOwner* owner);
  std::uint64_t count() const { return count_; }

 private:
  std::string real_server_;
  std::set<std::string> vips_;
  std::uint64_t count_ = 0;
};

}  // namespace xdplb::agent
