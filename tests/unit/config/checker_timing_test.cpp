// A checker's timing as keepalived 2.2.7 resolves it: the checker's own keyword, else the
// real_server's, else the virtual_server's, else the checker type's default (retry 1, DNS_CHECK 3,
// MISC_CHECK 0; delay_before_retry 1 s, HTTP_GET/SSL_GET 3 s, DNS_CHECK the delay_loop; warmup the
// delay_loop; connect_timeout 5 s).
#include <doctest/doctest.h>

#include "config/checker_timing.h"
#include "config/dump_json.h"
#include "config_test_util.h"

using namespace xdplb::config;
using namespace xdplb::config::test;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

constexpr std::string_view all_checkers =
    "    TCP_CHECK {\n    }\n"
    "    HTTP_GET {\n      url {\n        path /\n      }\n    }\n"
    "    SSL_GET {\n      url {\n        path /\n      }\n    }\n"
    "    MISC_CHECK {\n      misc_path /bin/true\n    }\n"
    "    DNS_CHECK {\n    }\n"
    "    SMTP_CHECK {\n    }\n"
    "    PING_CHECK {\n    }\n";

Config loaded(std::string_view vs_extra, std::string_view rs_extra, std::string_view checkers = all_checkers) {
  const auto result = load_text("virtual_server 198.18.0.1 80 {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n  delay_loop 10\n" + std::string(vs_extra) +
                                "  real_server 198.18.1.9 80 {\n" + std::string(rs_extra) + std::string(checkers) +
                                "  }\n}\n");
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  CHECK_MESSAGE(result.diagnostics.empty(), all_diagnostics(result));
  return *result.config;
}

std::vector<CheckerTiming> timings(const Config& config) {
  const auto& vs = config.virtual_servers.at(0);
  const auto& rs = vs.real_servers.at(0);
  std::vector<CheckerTiming> out;
  for (const auto& checker : rs.checkers) out.push_back(effective_timing(vs, rs, checker));
  return out;
}

}  // namespace

TEST_CASE("checker timing: keepalived's defaults per checker type") {
  const auto t = timings(loaded("", ""));
  REQUIRE(t.size() == 7);
  // TCP, HTTP, SSL, MISC, DNS, SMTP, PING
  const unsigned retry[] = {1, 1, 1, 0, 3, 1, 1};
  const Duration before_retry[] = {seconds(1), seconds(3), seconds(3), seconds(1),
                                   seconds(10), seconds(1), seconds(1)};
  for (std::size_t i = 0; i < t.size(); ++i) {
    CAPTURE(i);
    CHECK(t[i].retry == retry[i]);
    CHECK(t[i].delay_before_retry == before_retry[i]);
    CHECK(t[i].connect_timeout == seconds(5));
    CHECK(t[i].delay_loop == seconds(10));
    CHECK(t[i].warmup == seconds(10));  // a random first check within the delay_loop
    CHECK_FALSE(t[i].alpha);
  }
}

TEST_CASE("checker timing: the checker's keyword beats the real_server's, which beats the virtual_server's") {
  const auto config = loaded(
      "  retry 4\n  delay_before_retry 2\n  warmup 0\n  connect_timeout 7\n  alpha\n",
      "    retry 5\n    delay_loop 20\n    alpha off\n",
      "    TCP_CHECK {\n      retry 0\n      connect_timeout 1.5\n    }\n    DNS_CHECK {\n      alpha yes\n    }\n");
  const auto t = timings(config);
  REQUIRE(t.size() == 2);
  CHECK(t[0].retry == 0);                         // the checker's
  CHECK(t[0].connect_timeout == milliseconds(1500));
  CHECK(t[0].delay_loop == seconds(20));          // the real server's
  CHECK(t[0].delay_before_retry == seconds(2));   // the virtual server's
  CHECK(t[0].warmup == seconds(0));               // warmup 0: no random start
  CHECK_FALSE(t[0].alpha);                        // the real server's 'alpha off' beats the virtual server's
  CHECK(t[1].retry == 5);                         // DNS_CHECK's own default of 3 loses to a written retry
  CHECK(t[1].connect_timeout == seconds(7));
  CHECK(t[1].alpha);
  const auto& vs = config.virtual_servers[0];
  CHECK(starts_down(vs, vs.real_servers[0]));  // one checker in alpha mode starts the server down

  // The dump shows what each checker runs with, and what each server wrote.
  const auto json = to_json(config)["virtual_servers"][0];
  CHECK(json["retry"] == 4);
  CHECK(json["connect_timeout"] == 7);
  CHECK(json["real_servers"][0]["retry"] == 5);
  CHECK(json["real_servers"][0]["connect_timeout"].is_null());
  CHECK(json["real_servers"][0]["alpha"] == false);
  CHECK(json["real_servers"][0]["checkers"][0]["retry"] == 0);
  CHECK(json["real_servers"][0]["checkers"][0]["delay_loop"] == 20);
  CHECK(json["real_servers"][0]["checkers"][0]["delay_before_retry"] == 2);
  CHECK(json["real_servers"][0]["checkers"][1]["retry"] == 5);
  CHECK(json["real_servers"][0]["checkers"][1]["alpha"] == true);
}

TEST_CASE("checker timing: inhibit_on_failure of the real_server, else of the virtual_server") {
  const auto both = loaded("  inhibit_on_failure\n", "    inhibit_on_failure false\n", "    TCP_CHECK {\n    }\n");
  CHECK_FALSE(effective_inhibit_on_failure(both.virtual_servers[0], both.virtual_servers[0].real_servers[0]));
  const auto vs_only = loaded("  inhibit_on_failure\n", "", "    TCP_CHECK {\n    }\n");
  CHECK(effective_inhibit_on_failure(vs_only.virtual_servers[0], vs_only.virtual_servers[0].real_servers[0]));
  CHECK(to_json(vs_only)["virtual_servers"][0]["real_servers"][0]["inhibit_on_failure"] == true);
}

TEST_CASE("checker timing: DNS_CHECK asks for SOA unless told otherwise") {
  const auto config = loaded("", "", "    DNS_CHECK {\n    }\n");
  CHECK(std::get<DnsCheck>(config.virtual_servers[0].real_servers[0].checkers[0]).type == "SOA");
  CHECK(to_json(config)["virtual_servers"][0]["real_servers"][0]["checkers"][0]["type"] == "SOA");
}

TEST_CASE("checker timing: keepalived refuses retry 0 in a real_server or virtual_server, not in a checker") {
  const auto vs = load_text("virtual_server 198.18.0.1 80 {\n  protocol TCP\n  retry 0\n  real_server 198.18.1.9 80 {\n"
                            "    TCP_CHECK {\n    }\n  }\n}\n");
  CHECK_FALSE(vs.ok());
  CHECK(mentions(vs, "test.conf:3:9: error: retry 0 is out of range (1-1000000)"));
  const auto rs = load_text("virtual_server 198.18.0.1 80 {\n  protocol TCP\n  real_server 198.18.1.9 80 {\n    retry 0\n"
                            "    TCP_CHECK {\n    }\n  }\n}\n");
  CHECK_FALSE(rs.ok());
  const auto checker = load_text("virtual_server 198.18.0.1 80 {\n  protocol TCP\n  real_server 198.18.1.9 80 {\n"
                                 "    TCP_CHECK {\n      retry 0\n    }\n  }\n}\n");
  CHECK_MESSAGE(checker.ok(), all_diagnostics(checker));
  // A bad BOOL after a checker's alpha is an error like any BOOL's.
  const auto alpha = load_text("virtual_server 198.18.0.1 80 {\n  protocol TCP\n  real_server 198.18.1.9 80 {\n"
                               "    TCP_CHECK {\n      alpha 1\n    }\n  }\n}\n");
  CHECK_FALSE(alpha.ok());
  CHECK(mentions(alpha, "'alpha' takes true/false, yes/no or on/off"));
}
