// The model's == is what a reload decides with: every field counts, where it was written does not.
#include <doctest/doctest.h>

#include "config_test_util.h"

using namespace xdplb::config;
using namespace xdplb::config::test;

namespace {

const char* kBase = R"(
global_defs {
    router_id lb1
    xdp_interface eth0
}
vrrp_instance VI_1 {
    interface eth0
    state MASTER
    virtual_router_id 51
    priority 150
    virtual_ipaddress {
        198.18.0.100/32
    }
}
virtual_server 198.18.0.100 80 {
    delay_loop 5
    lb_kind DR
    real_server 198.18.1.1 80 {
        weight 2
        TCP_CHECK {
            connect_timeout 3
        }
    }
}
)";

Config load(const std::string& text) {
  auto result = load_text(text);
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  return std::move(*result.config);
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("model ==: the same file is equal to itself, and moved lines or blank lines change nothing") {
  const Config a = load(kBase);
  CHECK(a == load(kBase));
  // Every item now sits on other lines and columns, and a keyword with its default is written out.
  std::string moved = "\n\n# a comment\n" + replaced(kBase, "    priority 150", "      priority   150\n    advert_int 1");
  const Config b = load(moved);
  REQUIRE(b.vrrp_instances.front().location.line != a.vrrp_instances.front().location.line);
  CHECK(a.vrrp_instances.front() == b.vrrp_instances.front());
  CHECK(a.virtual_servers.front() == b.virtual_servers.front());
  CHECK(a.global == b.global);
}

TEST_CASE("model ==: a change of any kind of field makes the part unequal") {
  const Config a = load(kBase);
  const Config priority = load(replaced(kBase, "priority 150", "priority 151"));
  CHECK(a.vrrp_instances.front() != priority.vrrp_instances.front());
  CHECK(a.virtual_servers == priority.virtual_servers);

  const Config vip = load(replaced(kBase, "198.18.0.100/32", "198.18.0.101/32"));
  CHECK(a.vrrp_instances.front() != vip.vrrp_instances.front());

  const Config checker = load(replaced(kBase, "connect_timeout 3", "connect_timeout 4"));
  const auto& before = a.virtual_servers.front().real_servers.front();
  const auto& after = checker.virtual_servers.front().real_servers.front();
  CHECK(before.checkers != after.checkers);
  CHECK(before != after);
  CHECK(a.vrrp_instances == checker.vrrp_instances);

  const Config kind = load(replaced(kBase, "TCP_CHECK {", "HTTP_GET {\n            url {\n                path /\n            }"));
  CHECK(before.checkers != kind.virtual_servers.front().real_servers.front().checkers);
}

TEST_CASE("vrrp_view: only the settings no VRRP instance reads are left out") {
  const Config a = load(kBase);
  // The data plane's settings and the checkers' FIFO: not VRRP's.
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"xdp_interface eth0", "xdp_interface eth1"},
           {"xdp_interface eth0", "xdp_interface eth0\n    xdp_mode generic"},
           {"xdp_interface eth0", "xdp_interface eth0\n    xdp_conntrack_size 4096"},
           {"xdp_interface eth0", "xdp_interface eth0\n    lvs_notify_fifo /run/lvs.fifo"},
       }) {
    const std::string& replacement = to;  // CAPTURE's lambda: clang 14 cannot capture a structured binding
    CAPTURE(replacement);
    const Config b = load(replaced(kBase, from, to));
    CHECK(a.global != b.global);
    CHECK(vrrp_view(a.global) == vrrp_view(b.global));
  }
  // What VRRP reads.
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"router_id lb1", "router_id lb2"},
           {"router_id lb1", "router_id lb1\n    vrrp_version 3"},
           {"router_id lb1", "router_id lb1\n    vrrp_notify_fifo /run/vrrp.fifo"},
           {"router_id lb1", "router_id lb1\n    enable_script_security"},
       }) {
    const std::string& replacement = to;  // CAPTURE's lambda: clang 14 cannot capture a structured binding
    CAPTURE(replacement);
    const Config b = load(replaced(kBase, from, to));
    CHECK(vrrp_view(a.global) != vrrp_view(b.global));
  }
}
