// BackendKey: which backend of a VIP, the sorry server apart from a real server at the same endpoint.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "dataplane/spec.h"

using xdplb::config::IpAddress;
using xdplb::dataplane::BackendKey;
using xdplb::dataplane::BackendRole;
using xdplb::dataplane::BackendSpec;

namespace {

BackendKey real_server(const char* address, std::uint16_t port) {
  return {BackendRole::real_server, *IpAddress::parse(address), port};
}

BackendKey sorry_server(const char* address, std::uint16_t port) {
  return {BackendRole::sorry_server, *IpAddress::parse(address), port};
}

}  // namespace

TEST_CASE("backend key: a real server and the sorry server at one endpoint are two backends") {
  CHECK(real_server("198.18.0.11", 80) == real_server("198.18.0.11", 80));
  CHECK(real_server("198.18.0.11", 80) != sorry_server("198.18.0.11", 80));
  CHECK(real_server("198.18.0.11", 80) != real_server("198.18.0.11", 81));
  CHECK(real_server("198.18.0.11", 80) != real_server("198.18.0.12", 80));
  CHECK(real_server("fd00::11", 80) != real_server("198.18.0.11", 80));
}

TEST_CASE("backend key: ordered by role (real servers first), then address, then port") {
  CHECK(real_server("198.18.0.99", 80) < sorry_server("198.18.0.1", 80));
  CHECK(real_server("198.18.0.2", 80) < real_server("198.18.0.11", 80));  // by value, not by text
  CHECK(real_server("198.18.0.11", 80) < real_server("198.18.0.11", 443));
  CHECK(real_server("198.18.0.11", 80) < real_server("fd00::11", 80));  // IPv4 first
  std::map<BackendKey, int> by_key{{sorry_server("198.18.0.99", 80), 3},
                                   {real_server("198.18.0.12", 80), 2},
                                   {real_server("198.18.0.11", 80), 1}};
  int expected = 1;
  for (const auto& [key, value] : by_key) CHECK(value == expected++);
}

TEST_CASE("backend key: the address alone counts, not how its prefix was written") {
  IpAddress written = *IpAddress::parse("198.18.0.11/24");
  CHECK(BackendKey(BackendRole::real_server, written, 80) == real_server("198.18.0.11", 80));
  IpAddress v6 = *IpAddress::parse("fd00::11");
  v6.prefix_length = 32;  // a default-made IpAddress says 32 whatever its family
  CHECK(BackendKey(BackendRole::real_server, v6, 80) == real_server("fd00::11", 80));
}

TEST_CASE("backend key: made from a spec, spelled for the operator with the sorry server set apart") {
  BackendSpec spec;
  spec.address = *IpAddress::parse("198.18.0.99");
  spec.port = 8080;
  spec.weight = 7;  // not part of the identity
  CHECK(BackendKey(BackendRole::sorry_server, spec) == sorry_server("198.18.0.99", 8080));
  CHECK(to_string(BackendKey(BackendRole::real_server, spec)) == "198.18.0.99:8080");
  CHECK(to_string(BackendKey(BackendRole::sorry_server, spec)) == "sorry 198.18.0.99:8080");
  CHECK(to_string(sorry_server("fd00::99", 443)) == "sorry [fd00::99]:443");
  CHECK(to_string(real_server("fd00::11", 80)) == "[fd00::11]:80");
  // The endpoint is the spec's key whatever the role: the name of the real server, the Maglev input.
  CHECK(sorry_server("fd00::99", 443).endpoint() == "[fd00::99]:443");
  CHECK(BackendKey(BackendRole::sorry_server, spec).endpoint() == spec.key());
}
