// The contents of a VIP's ring: Maglev for mh/sh, a tiled weighted rotation for rr/wrr.
#pragma once

#include <compare>
#include <cstdint>
#include <span>
#include <vector>

#include "dataplane/maglev.h"
#include "dataplane/spec.h"

namespace xdplb::dataplane {

// A backend as its VIP's ring sees it: the slots it gets follow its endpoint and its weight.
struct RingMember {
  BackendKey backend;
  std::uint32_t weight = 1;
  friend auto operator<=>(const RingMember&, const RingMember&) = default;
};

// What a ring's layout depends on: scheduler, size, and the members with their weights, in order.
// Ids are not part of it: VIPs over the same pool share one shape, built once with positions
// 0..n-1 for ids, and each VIP's ring is that layout with its own ids.
struct RingShape {
  Algorithm algorithm = Algorithm::maglev;
  std::uint32_t size = 0;
  std::vector<RingMember> members;
  friend auto operator<=>(const RingShape&, const RingShape&) = default;
};

// What a VIP's ring is built from: its shape and this node's ids of the members (ids[i] is
// members[i]'s). While they stay the same the ring is neither rebuilt nor rewritten.
struct RingInputs {
  RingShape shape;
  std::vector<std::uint32_t> ids;
  friend auto operator<=>(const RingInputs&, const RingInputs&) = default;
};

// The ring of `shape` holding ids[i] in the slots of members[i]. Throws std::invalid_argument when
// ids and members differ in number, and what MaglevRing::build throws.
std::vector<std::uint32_t> build_ring(const RingShape& shape, std::span<const std::uint32_t> ids);

// The rotation order of weighted round robin (smooth: a weight-3 server does not take three
// consecutive turns), repeated to fill `size` slots. Weight 0 backends are left out; an empty set
// fills the ring with kNoBackend.
std::vector<std::uint32_t> build_rotation_ring(std::span<const MaglevBackend> backends, std::uint32_t size);

// A fingerprint of a ring's slots (never 0, which callers use for "unknown"): what the data plane
// remembers of a ring it wrote, to skip rewriting an equal one and to check the live map against.
std::uint64_t ring_digest(std::span<const std::uint32_t> ring);

}  // namespace xdplb::dataplane
