// The value types a ring is built from: RingShape (the layout's inputs) and RingInputs (with ids).
#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <stdexcept>
#include <vector>

#include "dataplane/maglev.h"
#include "dataplane/ring_table.h"

using namespace xdplb::dataplane;
using xdplb::config::IpAddress;

namespace {

RingMember member(const char* address, std::uint32_t weight = 1) {
  return {BackendKey(BackendRole::real_server, *IpAddress::parse(address), 80), weight};
}

RingShape shape(std::vector<RingMember> members, Algorithm algorithm = Algorithm::maglev,
                std::uint32_t size = 251) {
  return {algorithm, size, std::move(members)};
}

}  // namespace

TEST_CASE("ring shape: equal when scheduler, size, members and weights are, in order") {
  const auto two = shape({member("198.18.0.11"), member("198.18.0.12")});
  CHECK(two == shape({member("198.18.0.11"), member("198.18.0.12")}));
  CHECK(two != shape({member("198.18.0.12"), member("198.18.0.11")}));  // positions follow the order
  CHECK(two != shape({member("198.18.0.11"), member("198.18.0.12", 2)}));
  CHECK(two != shape({member("198.18.0.11"), member("198.18.0.12")}, Algorithm::source_hash));
  CHECK(two != shape({member("198.18.0.11"), member("198.18.0.12")}, Algorithm::maglev, 257));
  CHECK(two != shape({member("198.18.0.11")}));
}

TEST_CASE("ring shape: a strict order, so VIPs of one shape are found with a map") {
  std::map<RingShape, int> index;
  index.emplace(shape({member("198.18.0.11"), member("198.18.0.12")}), 1);
  index.emplace(shape({member("198.18.0.11")}), 2);
  index.emplace(shape({member("198.18.0.11"), member("198.18.0.12")}, Algorithm::rotation), 3);
  CHECK(index.size() == 3);
  CHECK_FALSE(index.emplace(shape({member("198.18.0.11"), member("198.18.0.12")}), 4).second);
  CHECK(index.at(shape({member("198.18.0.11")})) == 2);
  CHECK(shape({member("198.18.0.11")}) < shape({member("198.18.0.11")}, Algorithm::source_hash));
  CHECK(shape({member("198.18.0.11")}, Algorithm::maglev, 251) <
        shape({member("198.18.0.11")}, Algorithm::maglev, 257));
}

TEST_CASE("ring inputs: the same shape with other ids is another ring") {
  const RingInputs a{shape({member("198.18.0.11"), member("198.18.0.12")}), {4, 9}};
  CHECK(a == RingInputs{shape({member("198.18.0.11"), member("198.18.0.12")}), {4, 9}});
  CHECK(a != RingInputs{shape({member("198.18.0.11"), member("198.18.0.12")}), {9, 4}});
  CHECK(a != RingInputs{});  // what a VIP holds before its first ring
}

TEST_CASE("build_ring: the Maglev ring of the members' endpoints and weights, with the given ids") {
  const auto s = shape({member("198.18.0.11"), member("198.18.0.12", 3)});
  const std::vector<MaglevBackend> backends{{"198.18.0.11:80", 4, 1}, {"198.18.0.12:80", 9, 3}};
  CHECK(build_ring(s, std::vector<std::uint32_t>{4, 9}) == MaglevRing::build(backends, 251));
  // Positions for ids: the layout every VIP of the shape shares.
  auto translated = build_ring(s, std::vector<std::uint32_t>{0, 1});
  for (auto& slot : translated) slot = slot == 0 ? 4 : 9;
  CHECK(translated == build_ring(s, std::vector<std::uint32_t>{4, 9}));
  CHECK_THROWS_AS(build_ring(s, std::vector<std::uint32_t>{4}), std::invalid_argument);
}
