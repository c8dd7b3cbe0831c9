// Turns a configured checker (config::Checker) of a real server into a running check::Checker and
// its keepalived scheduling parameters.
#pragma once

#include <memory>

#include <asio/io_context.hpp>

#include "check/checker.h"
#include "check/types.h"
#include "config/model.h"

namespace xdplb::agent {

struct BuiltChecker {
  std::unique_ptr<check::Checker> checker;
  check::SchedulingParams scheduling;
};

// Throws std::invalid_argument when the checker cannot run (e.g. script_user unknown).
BuiltChecker build_checker(asio::io_context& io, const config::Config& config, const config::VirtualServer& vs,
                           const config::RealServer& rs, const config::Checker& checker);

}  // namespace xdplb::agent
