// xdplbctl's argument checks: what is a usage error before anything is sent.
#include <doctest/doctest.h>

#include <string>

#include "xdplbctl/arguments.h"

using namespace xdplb::ctl;

TEST_CASE("a real server is ADDRESS:PORT, IPv6 in brackets") {
  CHECK(backend_argument_error("198.18.0.11:80").empty());
  CHECK(backend_argument_error("[fd00::11]:8080").empty());
  CHECK(backend_argument_error("198.18.0.11") == "real server \"198.18.0.11\" must be ADDRESS:PORT");
  CHECK(backend_argument_error("fd00::11:80").find("needs brackets") != std::string::npos);
  CHECK(backend_argument_error("198.18.0.300:80").find("is not an IPv4 address") != std::string::npos);
  CHECK(backend_argument_error("[198.18.0.1]:80").find("is not an IPv6 address") != std::string::npos);
  CHECK(backend_argument_error("198.18.0.11:0").find("is not a port") != std::string::npos);
  CHECK(backend_argument_error("198.18.0.11:65536").find("is not a port") != std::string::npos);
  CHECK(backend_argument_error("198.18.0.11:http").find("is not a port") != std::string::npos);
  CHECK(backend_argument_error("198.18.0.11:*").find("is not a port") != std::string::npos);
  CHECK(backend_argument_error("[fd00::11]").find("must be [IPV6]:PORT") != std::string::npos);
  CHECK_FALSE(backend_argument_error("").empty());
}

TEST_CASE("a virtual server may name its protocol and every port") {
  CHECK(vip_argument_error("198.18.0.100:80").empty());
  CHECK(vip_argument_error("tcp/198.18.0.100:80").empty());
  CHECK(vip_argument_error("udp/[fd00::100]:53").empty());
  CHECK(vip_argument_error("tcp/198.18.0.100:*").empty());
  CHECK(vip_argument_error("sctp/198.18.0.100:80").find("is not an IPv4 address") != std::string::npos);
  CHECK(vip_argument_error("tcp/198.18.0.100").find("must be ADDRESS:PORT") != std::string::npos);
}

TEST_CASE("instance names become file names under /run/xdplb") {
  CHECK(instance_argument_error("xdplb").empty());
  CHECK(control_socket_for("lb2") == "/run/xdplb/lb2.sock");
  CHECK_FALSE(instance_argument_error("").empty());
  CHECK_FALSE(instance_argument_error("../x").empty());
  CHECK_FALSE(instance_argument_error(".x").empty());
  CHECK_FALSE(instance_argument_error(std::string(100, 'a')).empty());
}
