// What xdplbctl prints: pure functions from the agent's typed answers (contract/answers.h) to text.
// The answers were checked when they were decoded (contract/answers_json.h), so these only lay
// them out.
#pragma once

#include <string>

#include "contract/answers.h"

namespace xdplb::ctl {

// `xdplbctl status`: the agent, its data plane and one line per VRRP instance.
std::string format_status(const contract::Status& status);

// `xdplbctl list`: an `ipvsadm -Ln` style table with xdplb's columns (weight, health, tracked flows,
// how long the health has been what it is at `now`, why the last check failed). Every real server is
// listed, failed ones too.
std::string format_list(const contract::List& list, contract::Time now);

// `xdplbctl stats`: counters per VIP and backend, then the verdict counters.
std::string format_stats(const contract::Stats& stats);

// `xdplbctl reload`, `drain`, `undrain`: one summary line, then one line per change.
std::string format_reload(const contract::Reload& reload);
std::string format_drain(const contract::Drain& drain, bool drained);

// `xdplbctl conns`: an `ipvsadm -Lnc` style table, one line per conntrack entry, and a summary line.
std::string format_conns(const contract::Conns& conns);

// `xdplbctl verify`: one line saying the maps match, or one line per difference.
std::string format_verify(const contract::Verify& verify);

// "tcp/198.18.0.100:80" -> {"TCP", "198.18.0.100:80"}; a key without a protocol keeps "" as protocol.
struct VipDisplay {
  std::string protocol;
  std::string endpoint;
};
VipDisplay split_vip_key(const std::string& key);
// The first column of list, stats and rates: "TCP  198.18.0.100:80".
std::string vip_column(const std::string& key);

// "1h02m03s", "45s", "3d04h".
std::string format_duration(double seconds);

}  // namespace xdplb::ctl
