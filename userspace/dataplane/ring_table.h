// The contents of a VIP's ring: Maglev for mh/sh, a tiled weighted rotation for rr/wrr.
#pragma once

#include <cstdint>
#include <vector>

#include "dataplane/maglev.h"

namespace xdplb::dataplane {

// The rotation order of weighted round robin (smooth: a weight-3 server does not take three
// consecutive turns), repeated to fill `size` slots. Weight 0 backends are left out; an empty set
// fills the ring with kNoBackend.
std::vector<std::uint32_t> build_rotation_ring(std::span<const MaglevBackend> backends, std::uint32_t size);

// A fingerprint of a ring's slots (never 0, which callers use for "unknown"): what the data plane
// remembers of a ring it wrote, to skip rewriting an equal one and to check the live map against.
std::uint64_t ring_digest(std::span<const std::uint32_t> ring);

}  // namespace xdplb::dataplane
