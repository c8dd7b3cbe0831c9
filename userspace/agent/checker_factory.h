// Turns a configured checker (config::Checker) of a real server into a check::PlannedCheck: what it
// checks and its keepalived scheduling parameters, as values. Pure (the reload thread plans with it).
#pragma once

#include <memory>

#include "check/misc_check.h"
#include "check/planned_check.h"
#include "check/types.h"
#include "common/user_database.h"
#include "config/model.h"

namespace xdplb::agent {

// MISC_CHECK's script through the one script rule (common/script_identity.h): sets misc_path (a
// PATH search resolved), uid and gid of `p`. A user the host does not know, or a file the rule
// disables, throws std::invalid_argument saying why: keepalived removes such a checker.
void plan_misc_script(check::MiscCheckParams& p, const config::Config& config, const config::MiscCheck& c,
                      const UserDatabase& users);

// Throws std::invalid_argument when the checker cannot run (a MISC_CHECK whose user is unknown or
// whose script the script rule disables, or what check::validate refuses). `users` answers who a
// script user is.
check::PlannedCheck plan_checker(const config::Config& config, const config::VirtualServer& vs,
                                 const config::RealServer& rs, const config::Checker& checker,
                                 const UserDatabase& users = system_user_database());

}  // namespace xdplb::agent
