// The scheduling a planned checker runs with is keepalived's resolved timing: inherited from the
// real and virtual server, else the checker type's default.
#include <doctest/doctest.h>

#include "agent/checker_factory.h"
#include "config/load.h"

using namespace xdplb;
using std::chrono::seconds;

namespace {

config::Config load(const std::string& text) {
  config::LoadOptions options;
  options.check_host = false;
  auto r = config::load_config_text(text, "test.conf", options);
  if (!r.ok())
    for (const auto& d : r.diagnostics) MESSAGE(config::format_diagnostic(d));
  REQUIRE(r.ok());
  return *r.config;
}

}  // namespace

TEST_CASE("checker plan: scheduling follows keepalived's inheritance and per-type defaults") {
  const auto config = load(R"(
virtual_server 198.18.0.1 53 {
  delay_loop 8
  retry 2
  real_server 198.18.1.9 53 {
    warmup 0
    alpha
    DNS_CHECK {
    }
    TCP_CHECK {
      retry 6
      alpha off
    }
  }
  real_server 198.18.1.10 53 {
    HTTP_GET {
      url {
        path /
      }
    }
  }
}
)");
  const auto& vs = config.virtual_servers[0];
  const auto dns = agent::plan_checker(config, vs, vs.real_servers[0], vs.real_servers[0].checkers[0]).scheduling;
  CHECK(dns.delay_loop == seconds(8));
  CHECK(dns.retry == 2);                        // the virtual server's, over DNS_CHECK's default 3
  CHECK(dns.delay_before_retry == seconds(8));  // DNS_CHECK: the delay_loop
  CHECK(dns.warmup == seconds(0));              // warmup 0 starts at once
  CHECK(dns.alpha);                             // the real server's
  const auto tcp = agent::plan_checker(config, vs, vs.real_servers[0], vs.real_servers[0].checkers[1]).scheduling;
  CHECK(tcp.retry == 6);
  CHECK(tcp.delay_before_retry == seconds(1));
  CHECK_FALSE(tcp.alpha);
  const auto http = agent::plan_checker(config, vs, vs.real_servers[1], vs.real_servers[1].checkers[0]).scheduling;
  CHECK(http.delay_before_retry == seconds(3));  // HTTP_GET's default
  CHECK(http.warmup == seconds(8));              // unset: a random start within the delay_loop
  CHECK(http.connect_timeout == seconds(5));
}
