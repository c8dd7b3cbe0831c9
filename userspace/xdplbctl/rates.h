// `xdplbctl stats --rate`: per-second rates between two stats answers taken some seconds apart.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "contract/answers.h"

namespace xdplb::ctl {

struct TrafficRates {
  double packets_per_second = 0;
  double bytes_per_second = 0;
  double new_flows_per_second = 0;
};

struct BackendRates {
  std::string backend;
  bool sorry = false;
  TrafficRates rates;
};

struct VirtualServerRates {
  std::string vip;
  TrafficRates rates;
  std::vector<BackendRates> backends;
};

struct VerdictRates {
  double packets_per_second = 0;
  double bytes_per_second = 0;
};

struct Rates {
  contract::StatsSource source = contract::StatsSource::agent;
  double interval_seconds = 0;
  std::vector<VirtualServerRates> virtual_servers;
  std::map<std::string, VerdictRates> verdicts;
};

// The rates of `after` over `seconds` since `before`. A counter that went down (reset, or a VIP
// re-added) counts from zero, as does an entry `before` did not have. Throws std::invalid_argument
// unless seconds > 0.
Rates compute_rates(const contract::Stats& before, const contract::Stats& after, double seconds);

// The shape documented for `stats --rate --json`, and the table of `stats --rate`.
nlohmann::json encode(const Rates& rates);
std::string format_rates(const Rates& rates);

}  // namespace xdplb::ctl
