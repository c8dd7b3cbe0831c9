// The configuration's scripts against this host, as keepalived checks them at start and under -t:
// who runs each one and whether its file may run (common/script_identity.h). A user or group that
// does not exist, or no user allowed under enable_script_security, is an error; a script that will
// be disabled (unsafe path, not found, not executable) is a warning naming why. The agent applies
// the same function when it starts the scripts, so -t reports exactly what start-up refuses.
// The only part of config/ that looks at the host: the password database and the scripts' files.
#pragma once

#include "common/script_identity.h"
#include "common/user_database.h"
#include "config/diagnostics.h"
#include "config/model.h"

namespace xdplb::config {

void check_scripts(const Config& config, const UserDatabase& users, Diagnostics& diagnostics);

// global_defs' part of the script rules.
xdplb::ScriptDefaults script_defaults(const GlobalDefs& global);

}  // namespace xdplb::config
