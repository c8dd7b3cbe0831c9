// keepalived's STATS_CLEAR for the counters of the `stats` answer: the data plane's counters cannot
// be zeroed without lying to Prometheus (its counters must only grow), so a clear records the
// counters of that moment and later answers count from there.
#pragma once

#include <optional>

#include "contract/answers.h"

namespace xdplb::agent {

class StatsBaseline {
 public:
  // `stats`: the counters of the moment of the clear.
  void clear(contract::Stats stats) { baseline_ = std::move(stats); }
  // `stats` less the counters of the last clear. A counter below its baseline started again (its
  // VIP or backend was removed and added back) and is shown as it is.
  contract::Stats since_clear(contract::Stats stats) const;
  bool cleared() const { return baseline_.has_value(); }

 private:
  std::optional<contract::Stats> baseline_;
};

}  // namespace xdplb::agent
