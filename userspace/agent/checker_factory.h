// Turns a configured checker (config::Checker) of a real server into a running check::Checker and
// its keepalived scheduling parameters.
#pragma once

#include <memory>

#include <asio/io_context.hpp>

#include "check/checker.h"
#include "check/misc_check.h"
#include "check/types.h"
#include "common/user_database.h"
#include "config/model.h"

namespace xdplb::agent {

struct BuiltChecker {
  std::unique_ptr<check::Checker> checker;
  check::SchedulingParams scheduling;
};

// MISC_CHECK's script through the one script rule (common/script_identity.h): sets misc_path (a
// PATH search resolved), uid and gid of `p`. A user the host does not know, or a file the rule
// disables, throws std::invalid_argument saying why: keepalived removes such a checker.
void plan_misc_script(check::MiscCheckParams& p, const config::Config& config, const config::MiscCheck& c,
                      const UserDatabase& users);

// Throws std::invalid_argument when the checker cannot run (a MISC_CHECK whose user is unknown or
// whose script the script rule disables). `users` answers who a script user is.
BuiltChecker build_checker(asio::io_context& io, const config::Config& config, const config::VirtualServer& vs,
                           const config::RealServer& rs, const config::Checker& checker,
                           const UserDatabase& users = system_user_database());

}  // namespace xdplb::agent
