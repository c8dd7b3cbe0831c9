// Human names of the data plane's verdict reasons (enum xdplb_reason of abi.h).
#pragma once

#include <string_view>

#include <xdplb/abi.h>

namespace xdplb::dataplane {

// Stable, lowercase, snake_case names used in logs, `xdplbctl stats` and metrics.
std::string_view reason_name(unsigned reason);

}  // namespace xdplb::dataplane
