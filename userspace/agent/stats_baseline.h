// keepalived's STATS_CLEAR for the counters of the `stats` answer: the data plane's counters cannot
// be zeroed without lying to Prometheus (its counters must only grow), so a clear records the
// counters of that moment and later answers count from there.
#pragma once

#include <nlohmann/json.hpp>

namespace xdplb::agent {

class StatsBaseline {
 public:
  // `stats` is a `stats` answer (docs/control.md) of the moment of the clear.
  void clear(const nlohmann::json& stats);
  // `stats` less the counters of the last clear. A counter below its baseline started again (its
  // VIP or backend was removed and added back) and is shown as it is.
  nlohmann::json since_clear(nlohmann::json stats) const;
  bool cleared() const { return !baseline_.is_null(); }

 private:
  nlohmann::json baseline_;
};

}  // namespace xdplb::agent
