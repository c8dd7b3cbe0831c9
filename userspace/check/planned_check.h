// A checker as planned from the configuration, before it exists: what it checks and how it is
// scheduled, as plain values that compare with ==. Planning is pure (the agent does it off the loop
// on a reload); make_checker turns a plan into a running Checker on the loop. A reload keeps a real
// server's running checkers exactly when its plans are equal to the running ones.
#pragma once

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <asio/io_context.hpp>

#include "check/checker.h"
#include "check/dns_check.h"
#include "check/file_check.h"
#include "check/http_check.h"
#include "check/icmp_check.h"
#include "check/misc_check.h"
#include "check/smtp_check.h"
#include "check/tcp_check.h"
#include "check/udp_check.h"
#include "check/types.h"

namespace xdplb::check {

using CheckerParams = std::variant<TcpCheckParams, HttpCheckParams, MiscCheckParams, IcmpCheckParams, SmtpCheckParams,
                                   DnsCheckParams, UdpCheckParams, FileCheckParams>;

struct PlannedCheck {
  CheckerParams params;
  SchedulingParams scheduling;

  bool operator==(const PlannedCheck&) const = default;
};

// The checkers of one real server of one virtual server (keepalived: up while all of them are).
struct PlannedServer {
  std::string virtual_server;
  std::string real_server;
  std::vector<PlannedCheck> checks;

  bool operator==(const PlannedServer&) const = default;
};

// Throws std::invalid_argument, saying why, on parameters no server could satisfy (an HTTP_GET
// without a url, a bad digest, a misc_path that cannot be split, an unknown DNS type): a plan that
// passes builds. Pure, for any thread.
void validate(const PlannedCheck& plan);

// The running checker of a plan, on the loop of `io`. Throws what validate() throws.
std::unique_ptr<Checker> make_checker(asio::io_context& io, const PlannedCheck& plan);

}  // namespace xdplb::check
