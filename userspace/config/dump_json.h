// The resolved model as JSON (`xdplbd --dump-config`): what xdplb understood, with defaults filled
// in. Durations are in seconds (fractions where needed), addresses as text.
#pragma once

#include <nlohmann/json.hpp>

#include "config/model.h"

namespace xdplb::config {

nlohmann::json to_json(const Config& config);

}  // namespace xdplb::config
