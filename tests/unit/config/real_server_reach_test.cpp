// DR and NAT real servers against the networks this host is connected to, as the data plane reaches
// them (config/check_real_server_reach.h): each one on no connected network, and not under a prefix a
// VRRP transition adds, is a warning at its own line.
#include <doctest/doctest.h>

#include <vector>

#include "config/connected_networks.h"
#include "config/load.h"
#include "config_test_util.h"

using namespace xdplb::config;
using namespace xdplb::config::test;

namespace {

class FakeNetworks final : public ConnectedNetworks {
 public:
  FakeNetworks(std::vector<std::pair<std::string, std::string>> prefixes) {
    for (const auto& [name, text] : prefixes) prefixes_.push_back({name, *IpAddress::parse(text)});
  }
  std::vector<ConnectedPrefix> prefixes() const override { return prefixes_; }

 private:
  std::vector<ConnectedPrefix> prefixes_;
};

LoadResult check(const std::string& text, const ConnectedNetworks& networks) {
  LoadOptions options;
  options.networks = &networks;
  return load_config_text(text, "test.conf", options);
}

// "LINE: WHAT" per warning, one per line.
std::string unreachable(const LoadResult& result) {
  std::string out;
  for (const auto& d : result.diagnostics)
    if (d.message.find("on no network this host is connected to") != std::string::npos) {
      CHECK(d.severity == Severity::warning);
      CHECK(d.keepalived == KeepalivedReport::none);  // keepalived routes to it: -t's exit status stays
      out += std::to_string(d.line) + ": " + d.message.substr(0, d.message.find(" is on no")) + "\n";
    }
  return out;
}

const FakeNetworks kInternal({{"eth1", "10.1.0.0/24"}, {"eth1", "fd00:1::/64"}});

}  // namespace

TEST_CASE("a NAT real server outside every connected network is named at its line") {
  const auto result = check(R"(virtual_server 198.18.0.100 80 {
    lb_kind NAT
    protocol TCP
    real_server 10.1.0.11 8080 {
    }
    real_server 10.2.0.12 8080 {
    }
    sorry_server 10.3.0.1 80
}
)",
                            kInternal);
  CHECK(unreachable(result) ==
        "6: virtual_server 198.18.0.100:80/TCP: real_server 10.2.0.12\n"
        "8: virtual_server 198.18.0.100:80/TCP: sorry_server 10.3.0.1\n");
  CHECK(mentions(result, "xdplb reaches NAT servers on-link"));
}

TEST_CASE("DR real servers are checked, IPv6 too; TUN ones (routed) and fwmark services (not served) are not") {
  const auto result = check(R"(virtual_server fd00:9::1 80 {
    lb_kind DR
    protocol TCP
    real_server fd00:1::11 80 {
    }
    real_server fd00:2::11 80 {
    }
}
virtual_server 198.18.0.101 80 {
    lb_kind TUN
    protocol TCP
    real_server 10.9.0.1 80 {
    }
}
virtual_server fwmark 7 {
    lb_kind DR
    real_server 10.9.0.2 80 {
    }
}
)",
                            kInternal);
  CHECK(unreachable(result) == "6: virtual_server [fd00:9::1]:80/TCP: real_server fd00:2::11\n");
}

TEST_CASE("a prefix the backup gets when it becomes MASTER counts as connected") {
  // The classic pair: the internal VRRP address, with its prefix, is the only address in the servers'
  // network on a node without a static one there.
  const auto result = check(R"(vrrp_instance VI_IN {
    interface eth1
    virtual_router_id 52
    priority 100
    virtual_ipaddress {
        10.5.0.1/24
        10.6.0.1
    }
}
virtual_server 198.18.0.100 80 {
    lb_kind NAT
    protocol TCP
    real_server 10.5.0.11 80 {
    }
    real_server 10.6.0.11 80 {
    }
}
)",
                            FakeNetworks({}));
  CHECK(unreachable(result) == "15: virtual_server 198.18.0.100:80/TCP: real_server 10.6.0.11\n");
}

TEST_CASE("prefix_holds compares the written prefix only, in one family") {
  const auto a = [](const char* text) { return *IpAddress::parse(text); };
  CHECK(prefix_holds(a("10.1.0.0/23"), a("10.1.1.255")));
  CHECK_FALSE(prefix_holds(a("10.1.0.0/23"), a("10.1.2.0")));
  CHECK(prefix_holds(a("0.0.0.0/0"), a("203.0.113.1")));
  CHECK_FALSE(prefix_holds(a("0.0.0.0/0"), a("fd00::1")));
  CHECK(prefix_holds(a("fd00:1::/61"), a("fd00:1:0:7::1")));
  CHECK_FALSE(prefix_holds(a("fd00:1::/61"), a("fd00:1:0:8::1")));
}

TEST_CASE("the host's own networks: loopback's 127.0.0.0/8 holds 127.0.0.2") {
  // The test runs in a network namespace with lo up (ctest's), or on a host: lo's /8 is there either way.
  const auto host = system_connected_networks().prefixes();
  CHECK(interface_holding(host, *IpAddress::parse("127.0.0.2")) == std::optional<std::string>("lo"));
}

TEST_CASE("interface_holding takes the longest prefix and skips host-length addresses") {
  const auto p = [](const char* name, const char* text) { return ConnectedPrefix{name, *IpAddress::parse(text)}; };
  const std::vector<ConnectedPrefix> prefixes = {p("eth0", "10.0.0.1/8"), p("eth1", "10.1.0.1/16"),
                                                 p("lo", "10.1.2.3/32"), p("eth2", "fd00::1/64")};
  const auto a = [](const char* text) { return *IpAddress::parse(text); };
  CHECK(interface_holding(prefixes, a("10.1.2.3")) == std::optional<std::string>("eth1"));
  CHECK(interface_holding(prefixes, a("10.2.0.1")) == std::optional<std::string>("eth0"));
  CHECK(interface_holding(prefixes, a("fd00::9")) == std::optional<std::string>("eth2"));
  CHECK_FALSE(interface_holding(prefixes, a("fd01::9")).has_value());
}
