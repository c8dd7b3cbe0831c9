// Turns the keyword tree into the typed model. Values are range-checked here (where the token is at
// hand); rules that relate several items live in validate.h.
#pragma once

#include <vector>

#include "config/diagnostics.h"
#include "config/model.h"
#include "config/syntax_tree.h"

namespace xdplb::config {

Config build_model(const std::vector<SyntaxNode>& top_level, Diagnostics& diagnostics);

}  // namespace xdplb::config
