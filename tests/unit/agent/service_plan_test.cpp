// From virtual_server blocks to the data plane's desired state.
#include <doctest/doctest.h>

#include "agent/service_plan.h"
#include "config/load.h"

using namespace xdplb;

namespace {

// The grammar only: the plans' own use of the script rule is what these tests look at.
config::Config load(const std::string& text) {
  config::LoadOptions options;
  options.check_host = false;
  auto r = config::load_config_text(text, "test.conf", options);
  if (!r.ok())
    for (const auto& d : r.diagnostics) MESSAGE(config::format_diagnostic(d));
  REQUIRE(r.ok());
  return *r.config;
}

const char* kDrPair = R"(
virtual_server 198.18.0.100 80 {
    delay_loop 6
    lb_algo mh
    lb_kind DR
    protocol TCP
    real_server 198.18.0.11 80 {
        weight 2
        TCP_CHECK { connect_timeout 3 }
    }
    real_server 198.18.0.12 8080 {
        weight 1
    }
}
virtual_server fd00::100 443 {
    lb_algo rr
    lb_kind DR
    protocol TCP
    persistence_timeout 50
    sorry_server fd00::99 443
    real_server fd00::11 443 { weight 5 }
    real_server fd00::12 443 { weight 1 }
}
)";

}  // namespace

TEST_CASE("each DR virtual_server becomes one VIP with its real servers as backends") {
  const auto cfg = load(kDrPair);
  const auto plan = agent::plan_services(cfg);
  CHECK(plan.warnings.empty());
  REQUIRE(plan.services.size() == 2);
  CHECK(plan.services[0].name == "tcp/198.18.0.100:80");
  CHECK(plan.services[1].name == "tcp/[fd00::100]:443");

  check::HealthySet health;
  for (const auto& s : plan.services) health.add_virtual_server(s.rules);
  const auto vips = agent::desired_vips(plan, health, [](const config::IpAddress&) { return true; });
  REQUIRE(vips.size() == 2);
  const auto& v4 = vips[0];
  CHECK(v4.key() == "tcp/198.18.0.100:80");
  CHECK(v4.algorithm == dataplane::Algorithm::maglev);
  CHECK(v4.active);
  REQUIRE(v4.backends.size() == 2);
  CHECK(v4.backends[0].key() == "198.18.0.11:80");
  CHECK(v4.backends[0].weight == 2);
  CHECK(v4.backends[1].key() == "198.18.0.12:8080");

  const auto& v6 = vips[1];
  CHECK(v6.algorithm == dataplane::Algorithm::rotation);
  CHECK(v6.persistence_timeout == 50);
  for (const auto& b : v6.backends) CHECK(b.weight == 1);  // rr ignores weights
  CHECK_FALSE(v6.sorry_server.has_value());                 // only while quorum is lost
}

TEST_CASE("a real server that goes down leaves the VIP; inhibit_on_failure keeps it at weight 0") {
  const auto cfg = load(R"(
virtual_server 198.18.0.100 80 {
    lb_kind DR
    real_server 198.18.0.11 80 { TCP_CHECK { } }
    real_server 198.18.0.12 80 { inhibit_on_failure
                                 TCP_CHECK { } }
    sorry_server 198.18.0.99 80
}
)");
  const auto plan = agent::plan_services(cfg);
  check::HealthySet health;
  for (const auto& s : plan.services) health.add_virtual_server(s.rules);
  auto all = [](const config::IpAddress&) { return true; };

  health.apply({plan.services[0].name, "198.18.0.11:80", false, "refused", {}, {}});
  auto vips = agent::desired_vips(plan, health, all);
  REQUIRE(vips[0].backends.size() == 1);
  CHECK(vips[0].backends[0].key() == "198.18.0.12:80");

  health.apply({plan.services[0].name, "198.18.0.12:80", false, "refused", {}, {}});
  vips = agent::desired_vips(plan, health, all);
  // Quorum lost: the sorry server takes new flows; the inhibited server keeps its flows at weight 0.
  REQUIRE(vips[0].sorry_server.has_value());
  CHECK(vips[0].sorry_server->key() == "198.18.0.99:80");
  REQUIRE(vips[0].backends.size() == 1);
  CHECK(vips[0].backends[0].weight == 0);
}

TEST_CASE("VIPs of addresses this node does not hold are programmed inactive") {
  const auto cfg = load(kDrPair);
  const auto plan = agent::plan_services(cfg);
  check::HealthySet health;
  for (const auto& s : plan.services) health.add_virtual_server(s.rules);
  const auto vips = agent::desired_vips(plan, health, [](const config::IpAddress& a) { return a.is_ipv4(); });
  CHECK(vips[0].active);
  CHECK_FALSE(vips[1].active);
}

TEST_CASE("what the data plane cannot serve is reported, not silently changed") {
  const auto cfg = load(R"(
virtual_server 198.18.0.100 80 {
    lb_kind TUN
    real_server 198.18.0.11 80 { }
}
virtual_server fwmark 7 {
    lb_kind DR
    real_server 198.18.0.11 80 { }
}
)");
  const auto plan = agent::plan_services(cfg);
  CHECK(plan.services.empty());
  REQUIRE(plan.warnings.size() == 2);
  CHECK(plan.warnings[0].severity == config::Severity::warning);
  CHECK(config::format_diagnostic(plan.warnings[0]).find("test.conf:2:1: warning: virtual_server is not served: lb_kind TUN") == 0);
  CHECK(plan.warnings[1].message.find("fwmark 7 is not served") != std::string::npos);
}

TEST_CASE("lb_kind NAT is served: its backends forward by NAT with the real server's port") {
  const auto cfg = load(R"(
virtual_server 198.18.0.100 80 {
    lb_kind NAT
    protocol TCP
    sorry_server 198.18.0.99 8081
    real_server 198.18.0.11 8080 { }
    real_server 198.18.0.12 80 { }
}
)");
  const auto plan = agent::plan_services(cfg);
  CHECK(plan.warnings.empty());  // served: the agent attaches where the real servers are reached
  REQUIRE(plan.services.size() == 1);
  const auto& s = plan.services[0];
  REQUIRE(s.planned_real_servers.size() == 2);
  CHECK(s.planned_real_servers[0].backend.forward == dataplane::ForwardMethod::nat);
  CHECK(s.planned_real_servers[0].backend.port == 8080);
  CHECK_FALSE(s.planned_real_servers[0].backend.nat_shared);
  REQUIRE(s.sorry_server);
  CHECK(s.sorry_server->forward == dataplane::ForwardMethod::nat);
  check::HealthySet health;
  health.add_virtual_server(s.rules);
  const auto vips = agent::desired_vips(plan, health, [](const config::IpAddress&) { return true; });
  REQUIRE(vips.size() == 1);
  REQUIRE(vips[0].backends.size() == 2);
  CHECK(vips[0].backends[0].forward == dataplane::ForwardMethod::nat);
}

TEST_CASE("a NAT real server behind two VIPs is marked shared and -t warns that its replies need conntrack") {
  const auto cfg = load(R"(
virtual_server 198.18.0.100 80 {
    lb_kind NAT
    protocol TCP
    real_server 198.18.0.11 8080 { }
    real_server 198.18.0.12 8080 { }
}
virtual_server 198.18.0.101 80 {
    lb_kind NAT
    protocol TCP
    real_server 198.18.0.11 8080 { }
}
virtual_server 198.18.0.101 80 {
    lb_kind NAT
    protocol UDP
    real_server 198.18.0.12 8080 { }
}
virtual_server 198.18.0.102 80 {
    lb_kind DR
    real_server 198.18.0.12 80 { }
}
)");
  const auto plan = agent::plan_services(cfg);
  REQUIRE(plan.services.size() == 4);
  CHECK(plan.services[0].planned_real_servers[0].backend.nat_shared);
  CHECK_FALSE(plan.services[2].planned_real_servers[0].backend.nat_shared);  // UDP: another endpoint
  CHECK_FALSE(plan.services[0].planned_real_servers[1].backend.nat_shared);
  CHECK(plan.services[1].planned_real_servers[0].backend.nat_shared);
  CHECK(plan.services[0].real_servers.at("198.18.0.11:8080").nat_shared);
  REQUIRE(plan.warnings.size() == 1);
  const std::string text = config::format_diagnostic(plan.warnings[0]);
  CAPTURE(text);
  CHECK(text.find("test.conf:5:5: warning: NAT real_server tcp/198.18.0.11:8080 is behind 2 VIPs "
                  "(tcp/198.18.0.100:80, tcp/198.18.0.101:80): replies need conntrack; they do not survive "
                  "failover until state sync") == 0);
}

TEST_CASE("a virtual_server_group serves every address of its ranges") {
  const auto cfg = load(R"(
virtual_server_group web {
    198.18.0.100-102 80
    fwmark 3
}
virtual_server group web {
    lb_kind DR
    protocol TCP
    real_server 198.18.0.11 80 { }
}
)");
  const auto plan = agent::plan_services(cfg);
  REQUIRE(plan.services.size() == 1);
  CHECK(plan.services[0].vips.size() == 3);
  CHECK(plan.services[0].vips[2].key() == "tcp/198.18.0.102:80");
  CHECK(plan.warnings.size() == 1);
}

TEST_CASE("a virtual_server_group range across bytes and an IPv6 range become one VIP per address") {
  const auto cfg = load(R"(
virtual_server_group web {
    198.18.0.254-198.18.1.1 80
    fd00::ffff-fd00::1:1
}
virtual_server group web {
    lb_kind DR
    protocol TCP
    real_server 198.18.0.11 80 { }
}
)");
  const auto plan = agent::plan_services(cfg);
  REQUIRE(plan.services.size() == 1);
  std::vector<std::string> keys;
  std::string listed;
  for (const auto& v : plan.services[0].vips) keys.push_back(v.key());
  for (const auto& k : keys) listed += k + " ";
  CAPTURE(listed);
  CHECK(keys == std::vector<std::string>{"tcp/198.18.0.254:80", "tcp/198.18.0.255:80", "tcp/198.18.1.0:80",
                                         "tcp/198.18.1.1:80", "tcp/[fd00::ffff]:*", "tcp/[fd00::1:0]:*",
                                         "tcp/[fd00::1:1]:*"});
}

TEST_CASE("SCTP loads and is not served, with a warning naming it") {
  const auto plan = agent::plan_services(
      load("virtual_server 198.18.0.1 80 {\n  lb_kind DR\n  protocol SCTP\n  real_server 198.18.0.11 80 {\n  }\n}\n"));
  CHECK(plan.services.empty());
  REQUIRE(plan.warnings.size() == 1);
  CHECK(plan.warnings[0].message.find("protocol SCTP is not implemented") != std::string::npos);
}

TEST_CASE("a drained real server keeps weight 0 in the VIPs it is drained from, whatever its health") {
  const auto cfg = load(kDrPair);
  const auto plan = agent::plan_services(cfg);
  check::HealthySet health;
  for (const auto& s : plan.services) health.add_virtual_server(s.rules);
  const agent::DrainSet drained{{"tcp/198.18.0.100:80", "198.18.0.11:80"}};
  const auto vips = agent::desired_vips(plan, health, [](const config::IpAddress&) { return true; }, drained);
  CHECK(vips[0].backends[0].key() == "198.18.0.11:80");
  CHECK(vips[0].backends[0].weight == 0);
  CHECK(vips[0].backends[1].weight == 1);
  CHECK(vips[1].backends[0].weight == 1);
}
