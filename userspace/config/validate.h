// Rules that relate several items of the model (single values are range-checked by the parser).
// Each broken rule is reported at the most precise location known: the keyword's own line when the
// block carried it, otherwise the block's opening line.
#pragma once

#include "config/diagnostics.h"
#include "config/model.h"

namespace xdplb::config {

void validate(const Config& config, Diagnostics& diagnostics);

}  // namespace xdplb::config
