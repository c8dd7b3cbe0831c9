// The fallback of `xdplbctl stats` when no agent runs: the verdict counters straight from the maps
// pinned under /sys/fs/bpf/xdplb/<instance> (left there by `xdplbd --keep-pins`).
#pragma once

#include <string>

#include "contract/answers.h"

namespace xdplb::ctl {

// A stats answer with source maps, no virtual servers (their identities live in the agent) and
// every verdict counter. Throws std::runtime_error when the maps are not pinned.
contract::Stats read_pinned_stats(const std::string& instance);

}  // namespace xdplb::ctl
