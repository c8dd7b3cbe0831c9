// What xdplbctl prints: pure functions from the agent's JSON results (docs/control.md) to text.
// They check the fields they use and throw ResponseError naming the missing or mistyped one, so a
// mismatched agent gives a clear message instead of a wrong table.
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace xdplb::ctl {

class ResponseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `xdplbctl status`: the agent, its data plane and one line per VRRP instance.
std::string format_status(const nlohmann::json& status);

// `xdplbctl list`: an `ipvsadm -Ln` style table with xdplb's columns (weight, health, tracked flows).
std::string format_list(const nlohmann::json& list);

// `xdplbctl stats`: counters per VIP and backend, then the verdict counters.
std::string format_stats(const nlohmann::json& stats);

// `xdplbctl stats --rate`: per-second rates between two stats results taken `seconds` apart. A counter
// that went down (reset, or a VIP re-added) counts from zero. The result has the shape documented
// for `stats --rate --json`.
nlohmann::json compute_rates(const nlohmann::json& before, const nlohmann::json& after, double seconds);
std::string format_rates(const nlohmann::json& rates);

// `xdplbctl reload`, `drain`, `undrain`: one summary line, then one line per change.
std::string format_reload(const nlohmann::json& reload);
std::string format_drain(const nlohmann::json& drain, bool drained);

// `xdplbctl verify`: one line saying the maps match, or one line per difference.
std::string format_verify(const nlohmann::json& verify);
bool verify_is_clean(const nlohmann::json& verify);

// "tcp/198.18.0.100:80" -> {"TCP", "198.18.0.100:80"}; a key without a protocol keeps "" as protocol.
struct VipDisplay {
  std::string protocol;
  std::string endpoint;
};
VipDisplay split_vip_key(const std::string& key);

// "1h02m03s", "45s", "3d04h".
std::string format_duration(double seconds);

}  // namespace xdplb::ctl
