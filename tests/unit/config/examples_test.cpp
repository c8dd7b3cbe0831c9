// The shipped examples under conf/ are what operators copy: they must load with no error, and the
// full reference must load with no warning at all.
#include <doctest/doctest.h>

#include <filesystem>

#include "config_test_util.h"

using namespace xdplb::config;
using namespace xdplb::config::test;

namespace {

std::string example(const char* name) {
  return std::string(XDPLB_SOURCE_DIR) + "/conf/" + name;
}

}  // namespace

TEST_CASE("examples: every conf/*.conf loads without errors") {
  unsigned count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(XDPLB_SOURCE_DIR) + "/conf")) {
    if (entry.path().extension() != ".conf") continue;
    ++count;
    const auto result = load_config(entry.path().string(), grammar_only());
    CHECK_MESSAGE(result.ok(), entry.path().string() << "\n" << all_diagnostics(result));
    CHECK_MESSAGE(error_lines(result).empty(), all_diagnostics(result));
  }
  CHECK(count >= 5);
}

TEST_CASE("examples: the classic DR master: VRRP VI_1 and the DR virtual server with TCP_CHECK") {
  const auto result = load_config(example("keepalived-dr-master.conf"), grammar_only());
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  CHECK(result.diagnostics.empty());
  const Config& config = *result.config;
  CHECK(config.global.router_id == "LVS_DEVEL");
  CHECK(config.global.notification_email == std::vector<std::string>{"admin@example.com"});
  CHECK(config.global.smtp_server == "127.0.0.1");
  CHECK(config.global.smtp_connect_timeout == std::chrono::seconds(30));
  REQUIRE(config.vrrp_instances.size() == 1);
  const auto& vi = config.vrrp_instances[0];
  CHECK(vi.name == "VI_1");
  CHECK(vi.state == VrrpState::master);
  CHECK(vi.interface == "eth0");
  CHECK(vi.virtual_router_id == 51);
  CHECK(vi.priority == 100);
  CHECK(vi.advert_int == std::chrono::seconds(1));
  CHECK(vi.authentication.type == AuthType::pass);
  CHECK(vi.authentication.password == "1111");
  REQUIRE(vi.virtual_ipaddresses.size() == 1);
  CHECK(vi.virtual_ipaddresses[0].address.to_string_with_prefix() == "192.168.1.100/24");
  REQUIRE(config.virtual_servers.size() == 1);
  const auto& vs = config.virtual_servers[0];
  CHECK(vs.address.to_string() == "192.168.1.100");
  CHECK(vs.port == 80);
  CHECK(vs.delay_loop == std::chrono::seconds(6));
  CHECK(vs.lb_algo == LbAlgo::rr);
  CHECK(vs.lb_kind == LbKind::dr);
  CHECK(vs.persistence_timeout == std::chrono::seconds(50));
  CHECK(vs.protocol == Protocol::tcp);
  REQUIRE(vs.real_servers.size() == 2);
  CHECK(vs.real_servers[0].address.to_string() == "192.168.1.101");
  CHECK(vs.real_servers[1].address.to_string() == "192.168.1.102");
  for (const auto& rs : vs.real_servers) {
    CHECK(rs.weight == 1);
    REQUIRE(rs.checkers.size() == 1);
    const auto& tcp = std::get<TcpCheck>(rs.checkers[0]);
    CHECK(tcp.connect_timeout == std::chrono::seconds(3));
    CHECK(tcp.retry == 3);
    CHECK(tcp.delay_before_retry == std::chrono::seconds(3));
  }
}

TEST_CASE("examples: the DR backup differs only by state and priority") {
  const auto master = load_config(example("keepalived-dr-master.conf"), grammar_only());
  const auto backup = load_config(example("keepalived-dr-backup.conf"), grammar_only());
  REQUIRE(master.ok());
  REQUIRE(backup.ok());
  const auto& vi = backup.config->vrrp_instances.at(0);
  CHECK(vi.state == VrrpState::backup);
  CHECK(vi.priority == 90);
  CHECK(vi.virtual_router_id == master.config->vrrp_instances.at(0).virtual_router_id);
  CHECK(backup.config->virtual_servers.size() == master.config->virtual_servers.size());
}

TEST_CASE("examples: the HTTP pair checks GET /health for 200 on .111 and .112") {
  for (const char* name : {"keepalived-http-master.conf", "keepalived-http-backup.conf"}) {
    const auto result = load_config(example(name), grammar_only());
    REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
    CHECK(result.diagnostics.empty());
    const auto& vs = result.config->virtual_servers.at(0);
    REQUIRE(vs.real_servers.size() == 2);
    CHECK(vs.real_servers[0].address.to_string() == "192.168.1.111");
    CHECK(vs.real_servers[1].address.to_string() == "192.168.1.112");
    for (const auto& rs : vs.real_servers) {
      const auto& http = std::get<HttpGetCheck>(rs.checkers.at(0));
      CHECK_FALSE(http.tls);
      REQUIRE(http.urls.size() == 1);
      CHECK(http.urls[0].path == "/health");
      REQUIRE(http.urls[0].status_codes.size() == 1);
      CHECK(http.urls[0].status_codes[0].first == 200);
      CHECK(http.urls[0].status_codes[0].last == 200);
      CHECK(http.retry == 3);
    }
  }
}

TEST_CASE("examples: xdplb-full.conf loads with no diagnostic at all, even under --strict") {
  LoadOptions options = grammar_only();
  options.strict = true;
  const auto result = load_config(example("xdplb-full.conf"), options);
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  CHECK_MESSAGE(result.diagnostics.empty(), all_diagnostics(result));
}

TEST_CASE("examples: keepalived 2.2.7's UDP_CHECK sample loads without errors") {
  const std::string sample = "/usr/share/doc/keepalived/samples/keepalived.conf.UDP_CHECK";
  if (!std::filesystem::exists(sample)) return;  // keepalived's documentation is not installed
  const auto result = load_config(sample, grammar_only());
  CHECK_MESSAGE(error_lines(result).empty(), all_diagnostics(result));
  REQUIRE(result.config);
  bool udp = false;
  for (const auto& vs : result.config->virtual_servers)
    for (const auto& rs : vs.real_servers)
      for (const auto& checker : rs.checkers) udp = udp || std::holds_alternative<UdpCheck>(checker);
  CHECK(udp);
}
