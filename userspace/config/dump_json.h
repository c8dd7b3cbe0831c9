// The resolved model as JSON (`xdplbd --dump-config`): what xdplb understood, with defaults filled
// in. Durations are in seconds (fractions where needed), addresses as text.
#pragma once

#include <nlohmann/json.hpp>

#include "config/model.h"

namespace xdplb::config {

nlohmann::json to_json(const Config& config);
// Only what VRRP reads: global_defs, vrrp_scripts, vrrp_instances and vrrp_sync_groups (the keys of
// to_json), without the virtual servers, which can be thousands.
nlohmann::json vrrp_to_json(const Config& config);

// The JSON text. Bytes that are not UTF-8 (a Latin-1 comment pasted into a value, say) are shown as
// U+FFFD instead of failing the dump.
std::string dump_config_json(const Config& config, int indent = 2);

}  // namespace xdplb::config
