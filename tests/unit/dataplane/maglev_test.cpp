#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "dataplane/maglev.h"
#include "dataplane/ring_table.h"

using xdplb::dataplane::kNoBackend;
using xdplb::dataplane::MaglevBackend;
using xdplb::dataplane::MaglevRing;

namespace {

constexpr std::uint32_t kSize = MaglevRing::kDefaultSize;

// Backends as a config would name them: distinct real servers of one virtual server.
std::vector<MaglevBackend> make_backends(std::uint32_t count, std::uint32_t weight = 1) {
  std::vector<MaglevBackend> backends;
  for (std::uint32_t index = 0; index < count; ++index) {
    backends.push_back(MaglevBackend{
        .key = "198.18." + std::to_string(index / 250) + "." + std::to_string(index % 250 + 1) + ":80",
        .id = index,
        .weight = weight,
    });
  }
  return backends;
}

// Slot -> key view of a ring, which is what must agree between nodes (ids are node-local).
std::vector<std::string> owners_by_key(const std::vector<std::uint32_t>& ring,
                                       const std::vector<MaglevBackend>& backends) {
  std::map<std::uint32_t, std::string> key_of_id;
  for (const MaglevBackend& backend : backends) key_of_id[backend.id] = backend.key;
  std::vector<std::string> owners;
  owners.reserve(ring.size());
  for (const std::uint32_t id : ring) owners.push_back(key_of_id.at(id));
  return owners;
}

std::map<std::uint32_t, std::uint32_t> slots_per_id(const std::vector<std::uint32_t>& ring) {
  std::map<std::uint32_t, std::uint32_t> counts;
  for (const std::uint32_t id : ring) ++counts[id];
  return counts;
}

struct SlotSpread {
  std::uint32_t fewest;
  std::uint32_t most;
};

// Written out rather than with std::views::values: clang 14 cannot use libstdc++ 12's views.
SlotSpread spread_of(const std::map<std::uint32_t, std::uint32_t>& counts) {
  SlotSpread spread{.fewest = UINT32_MAX, .most = 0};
  for (const auto& [id, count] : counts) {
    spread.fewest = std::min(spread.fewest, count);
    spread.most = std::max(spread.most, count);
  }
  return spread;
}

// Stable fingerprint of a ring: XXH64 over its ids as little-endian 32-bit words.
std::uint64_t fingerprint(const std::vector<std::uint32_t>& ring) {
  std::string bytes;
  bytes.reserve(ring.size() * 4);
  for (const std::uint32_t id : ring) {
    for (int shift = 0; shift < 32; shift += 8) bytes.push_back(static_cast<char>((id >> shift) & 0xFF));
  }
  return MaglevRing::hash_key(bytes, 0);
}

// Share of the slots not owned by `exempt` in `before` whose owner differs in `after`.
double moved_share(const std::vector<std::uint32_t>& before, const std::vector<std::uint32_t>& after,
                   std::uint32_t exempt) {
  std::uint32_t considered = 0;
  std::uint32_t moved = 0;
  for (std::size_t slot = 0; slot < before.size(); ++slot) {
    if (before[slot] == exempt || after[slot] == exempt) continue;
    ++considered;
    if (before[slot] != after[slot]) ++moved;
  }
  return static_cast<double>(moved) / considered;
}

std::string message_of_invalid_build(const std::vector<MaglevBackend>& backends, std::uint32_t size) {
  try {
    static_cast<void>(MaglevRing::build(backends, size));
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "no std::invalid_argument thrown";
}

}  // namespace

TEST_CASE("maglev: key hash is XXH64 (reference implementation's answers)") {
  // Computed with xxhsum 0.8.1 / python3-xxhash 3.2.0; lengths cover every tail and the 32-byte
  // stripe loop.
  CHECK(MaglevRing::hash_key("", 0) == 0xEF46DB3751D8E999ULL);
  CHECK(MaglevRing::hash_key("a", 0) == 0xD24EC4F1A98C6E5BULL);
  CHECK(MaglevRing::hash_key("abc", 0) == 0x44BC2CF5AD770999ULL);
  CHECK(MaglevRing::hash_key("198.18.0.11:80", 0) == 0xFE048A5D2BE257DBULL);
  CHECK(MaglevRing::hash_key("198.18.0.11:80", 1) == 0x0740878EA202D847ULL);
  CHECK(MaglevRing::hash_key("[fd00::11]:443", 0x9E3779B97F4A7C15ULL) == 0x27EC66D23C13E2D9ULL);
  CHECK(MaglevRing::hash_key("0123456789abcdef0123456789abcdef", 0) == 0x642A94958E71E6C5ULL);
  CHECK(MaglevRing::hash_key("Nobody inspects the spammish repetition of a 32-byte stripe, twice.", 12345) ==
        0xFF043EE7E1F5E72EULL);
}

TEST_CASE("maglev: ring sizes must be primes within the limits") {
  CHECK(MaglevRing::is_valid_size(MaglevRing::kDefaultSize));
  CHECK(MaglevRing::is_valid_size(MaglevRing::kMinSize));
  CHECK(MaglevRing::is_valid_size(MaglevRing::kMaxSize));
  CHECK(MaglevRing::is_valid_size(131071));
  CHECK_FALSE(MaglevRing::is_valid_size(0));
  CHECK_FALSE(MaglevRing::is_valid_size(1));
  CHECK_FALSE(MaglevRing::is_valid_size(2));
  CHECK_FALSE(MaglevRing::is_valid_size(241));      // prime, below the minimum
  CHECK_FALSE(MaglevRing::is_valid_size(65536));    // even
  CHECK_FALSE(MaglevRing::is_valid_size(65535));    // odd, 3 * 5 * 17 * 257
  CHECK_FALSE(MaglevRing::is_valid_size(1048583));  // prime, above the maximum
  CHECK_FALSE(MaglevRing::is_valid_size(4294967291U));

  const auto backends = make_backends(3);
  for (const std::uint32_t size : {0U, 1U, 65536U, 65535U, 1048583U}) {
    CAPTURE(size);
    const std::string message = message_of_invalid_build(backends, size);
    CHECK(message.find("size " + std::to_string(size)) != std::string::npos);
  }
}

TEST_CASE("maglev: an empty healthy set yields a ring of no-backend sentinels") {
  const auto empty = MaglevRing::build({}, kSize);
  REQUIRE(empty.size() == kSize);
  CHECK(std::ranges::all_of(empty, [](std::uint32_t id) { return id == kNoBackend; }));

  const auto drained = MaglevRing::build(make_backends(5, 0), kSize);
  CHECK(drained == empty);
}

TEST_CASE("maglev: a single backend owns every slot") {
  const std::vector<MaglevBackend> single{{.key = "198.18.0.11:80", .id = 7, .weight = 3}};
  const auto ring = MaglevRing::build(single, 251);
  REQUIRE(ring.size() == 251);
  CHECK(std::ranges::all_of(ring, [](std::uint32_t id) { return id == 7; }));
}

TEST_CASE("maglev: the slot -> key map ignores input order and node-local ids") {
  auto backends = make_backends(57);
  backends[3].weight = 4;
  backends[10].weight = 2;
  const auto reference = MaglevRing::build(backends, kSize);

  std::mt19937 shuffle_source(20260125);
  for (int trial = 0; trial < 5; ++trial) {
    auto other_node = backends;
    std::ranges::shuffle(other_node, shuffle_source);
    for (std::size_t index = 0; index < other_node.size(); ++index) {
      other_node[index].id = static_cast<std::uint32_t>(1000 + 3 * index);  // another numbering
    }
    const auto ring = MaglevRing::build(other_node, kSize);
    CHECK(owners_by_key(ring, other_node) == owners_by_key(reference, backends));
  }
  CHECK(MaglevRing::build(backends, kSize) == reference);
}

TEST_CASE("maglev: golden rings (any change here moves flows on upgrade: do it on purpose)") {
  // Values computed once, and reproduced by an independent Python implementation of the
  // definition in maglev.h (python3-xxhash, exact fractions for virtual time). A failure means
  // rings differ from those of deployed nodes: mixed-version pairs would disagree on backends.
  CHECK(fingerprint(MaglevRing::build(make_backends(10), kSize)) == 0xE20D0EC79745CDFAULL);
  auto weighted = make_backends(10);
  for (std::uint32_t index = 0; index < weighted.size(); ++index) weighted[index].weight = index % 4;
  CHECK(fingerprint(MaglevRing::build(weighted, kSize)) == 0x52A68436ACD22A60ULL);
  CHECK(fingerprint(MaglevRing::build(make_backends(3), 251)) == 0xC165CCC525C55D89ULL);
}

TEST_CASE("maglev: equal weights share the ring within one slot") {
  for (const std::uint32_t count : {2U, 3U, 10U, 100U, 1000U}) {
    CAPTURE(count);
    const auto ring = MaglevRing::build(make_backends(count), kSize);
    CHECK(std::ranges::none_of(ring, [](std::uint32_t id) { return id == kNoBackend; }));
    const auto counts = slots_per_id(ring);
    REQUIRE(counts.size() == count);
    const auto [fewest, most] = spread_of(counts);
    CHECK(most - fewest <= 1);
    // The bar: max/min within 1%. One slot of granularity allows it up to ~650 backends
    // at 65537 slots; at 1000 backends (65 or 66 slots each) it cannot be met by any ring.
    if (count <= 100) CHECK(static_cast<double>(most) / fewest <= 1.01);
  }
}

TEST_CASE("maglev: slots follow weights") {
  SUBCASE("2:1") {
    std::vector<MaglevBackend> backends{{.key = "198.18.0.11:80", .id = 0, .weight = 2},
                                        {.key = "198.18.0.12:80", .id = 1, .weight = 1}};
    const auto counts = slots_per_id(MaglevRing::build(backends, kSize));
    CHECK(counts.at(0) + counts.at(1) == kSize);
    CHECK(static_cast<double>(counts.at(0)) == doctest::Approx(kSize * 2.0 / 3).epsilon(0.0001));
    CHECK(static_cast<double>(counts.at(0)) / counts.at(1) == doctest::Approx(2.0).epsilon(0.001));
  }
  SUBCASE("mixed weights within a slot per backend of the exact share") {
    auto backends = make_backends(40);
    std::uint64_t total_weight = 0;
    for (std::uint32_t index = 0; index < backends.size(); ++index) {
      backends[index].weight = 1 + (index * 7) % 13;
      total_weight += backends[index].weight;
    }
    const auto counts = slots_per_id(MaglevRing::build(backends, kSize));
    for (const MaglevBackend& backend : backends) {
      CAPTURE(backend.key);
      const double exact = static_cast<double>(kSize) * backend.weight / total_weight;
      CHECK(std::abs(counts.at(backend.id) - exact) <= static_cast<double>(backends.size()));
      CHECK(std::abs(counts.at(backend.id) - exact) / exact <= 0.01);
    }
  }
  SUBCASE("only the ratios matter") {
    auto small = make_backends(6);
    auto scaled = small;
    for (std::uint32_t index = 0; index < small.size(); ++index) {
      small[index].weight = index + 1;
      scaled[index].weight = 1000 * (index + 1);
    }
    CHECK(MaglevRing::build(small, kSize) == MaglevRing::build(scaled, kSize));
  }
  SUBCASE("a backend with a tiny share still gets a slot") {
    std::vector<MaglevBackend> backends{{.key = "198.18.0.11:80", .id = 0, .weight = 4000000000U},
                                        {.key = "198.18.0.12:80", .id = 1, .weight = 1}};
    const auto counts = slots_per_id(MaglevRing::build(backends, kSize));
    CHECK(counts.at(1) == 1);
    CHECK(counts.at(0) == kSize - 1);
  }
}

TEST_CASE("maglev: weight 0 takes a backend out of the ring and changes nothing else") {
  auto backends = make_backends(10);
  auto without = backends;
  without.erase(without.begin() + 4);
  backends[4].weight = 0;
  const auto ring = MaglevRing::build(backends, kSize);
  CHECK(std::ranges::count(ring, backends[4].id) == 0);
  CHECK(ring == MaglevRing::build(without, kSize));
}

TEST_CASE("maglev: removing or adding a backend barely moves other flows") {
  for (const std::uint32_t count : {3U, 10U, 100U}) {
    CAPTURE(count);
    const auto backends = make_backends(count);
    const auto before = MaglevRing::build(backends, kSize);
    double worst = 0;
    for (std::uint32_t removed = 0; removed < count; ++removed) {
      auto remaining = backends;
      remaining[removed].weight = 0;
      const auto after = MaglevRing::build(remaining, kSize);
      // Every slot of the removed backend moves; those of the others mostly stay.
      CHECK(std::ranges::count(after, removed) == 0);
      worst = std::max(worst, moved_share(before, after, removed));
      // Restoring it restores the ring exactly (purity): its flows come back to it.
      remaining[removed].weight = 1;
      CHECK(MaglevRing::build(remaining, kSize) == before);
    }
    MESSAGE("worst share of other backends' slots moved by one removal: ", worst * 100, "%");
    CHECK(worst <= 0.01);

    auto grown = make_backends(count + 1);
    const auto after_add = MaglevRing::build(grown, kSize);
    const std::uint32_t added = count;
    CHECK(std::ranges::count(after_add, added) >= kSize / (count + 1));
    CHECK(moved_share(before, after_add, added) <= 0.01);
  }
}

TEST_CASE("maglev: removing a weighted backend barely moves other flows") {
  auto backends = make_backends(100);
  for (std::uint32_t index = 0; index < backends.size(); ++index) backends[index].weight = 1 + index % 10;
  const auto before = MaglevRing::build(backends, kSize);
  for (std::uint32_t removed = 0; removed < backends.size(); removed += 7) {
    CAPTURE(removed);
    auto remaining = backends;
    remaining[removed].weight = 0;
    CHECK(moved_share(before, MaglevRing::build(remaining, kSize), removed) <= 0.01);
  }
}

TEST_CASE("maglev: the largest ring builds and balances") {
  const auto ring = MaglevRing::build(make_backends(1000), MaglevRing::kMaxSize);
  REQUIRE(ring.size() == MaglevRing::kMaxSize);
  const auto counts = slots_per_id(ring);
  REQUIRE(counts.size() == 1000);
  const auto [fewest, most] = spread_of(counts);
  CHECK(most - fewest <= 1);
}

TEST_CASE("maglev: ambiguous backends are rejected with a clear error") {
  auto backends = make_backends(4);

  SUBCASE("empty key") {
    backends[2].key.clear();
    CHECK(message_of_invalid_build(backends, kSize) == "Maglev backend with id 2 has an empty key");
  }
  SUBCASE("repeated key") {
    backends[3].key = backends[1].key;
    CHECK(message_of_invalid_build(backends, kSize) ==
          "Maglev backend key 198.18.0.2:80 is given more than once");
  }
  SUBCASE("repeated key even when one of them is drained") {
    backends[3].key = backends[1].key;
    backends[3].weight = 0;
    CHECK(message_of_invalid_build(backends, kSize).find("more than once") != std::string::npos);
  }
  SUBCASE("repeated id") {
    backends[3].id = backends[0].id;
    CHECK(message_of_invalid_build(backends, kSize) ==
          "Maglev backend id 0 is given to more than one backend");
  }
  SUBCASE("id reserved for no backend") {
    backends[1].id = kNoBackend;
    CHECK(message_of_invalid_build(backends, kSize).find("reserved") != std::string::npos);
  }
  SUBCASE("more backends than slots") {
    const auto crowd = make_backends(MaglevRing::kMinSize + 1);
    CHECK(message_of_invalid_build(crowd, MaglevRing::kMinSize) ==
          "252 backends with a positive weight do not fit a Maglev ring of 251 slots");
    auto fits = crowd;
    fits.back().weight = 0;  // drained backends take no slot, so this one fits
    CHECK(MaglevRing::build(fits, MaglevRing::kMinSize).size() == MaglevRing::kMinSize);
  }
}

// The data plane builds one ring per distinct pool and gives it to every VIP of that pool with the
// VIP's own ids: that is only right if ids never influence the layout.
TEST_CASE("a ring's layout does not depend on the ids: built with positions and translated, it is the same") {
  std::mt19937 random(7);
  auto backends = make_backends(37);
  for (auto& b : backends) b.weight = 1 + random() % 5;
  backends[3].weight = 0;
  auto positional = backends;
  for (std::uint32_t i = 0; i < positional.size(); ++i) positional[i].id = i;
  std::vector<std::uint32_t> ids(backends.size());
  for (std::uint32_t i = 0; i < backends.size(); ++i) ids[i] = backends[i].id = 9000 + 13 * i;
  auto translate = [&](std::vector<std::uint32_t> ring) {
    for (auto& slot : ring) slot = slot == kNoBackend ? kNoBackend : ids[slot];
    return ring;
  };
  CHECK(MaglevRing::build(backends, 65537) == translate(MaglevRing::build(positional, 65537)));
  CHECK(xdplb::dataplane::build_rotation_ring(backends, 997) ==
        translate(xdplb::dataplane::build_rotation_ring(positional, 997)));
}
