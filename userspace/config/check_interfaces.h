// The interfaces the configuration names against this host (this network namespace), as
// keepalived 2.2.7's -t checks them: each one missing is a warning that keepalived reports too
// (its "WARNING - interface X ... doesn't exist"), saying what xdplb does while it is missing.
// A warning, not an error: the file may be checked on another machine than the one it runs on.
#pragma once

#include "common/interface_directory.h"
#include "config/diagnostics.h"
#include "config/model.h"

namespace xdplb::config {

void check_interfaces(const Config& config, const InterfaceDirectory& interfaces, Diagnostics& diagnostics);

}  // namespace xdplb::config
