// Maglev lookup table ("ring") builder: which backend serves each slot of a VIP's ring.
//
// The ring is a pure function of the set of (key, weight) pairs and the ring size. The order in
// which backends are given and the node-local ids they carry do not change which key owns which
// slot, so every node handed the same healthy set computes the same slot -> backend map; that is
// what lets a backup (or a second active node behind ECMP) take over flows without state sync.
//
// Definition, precise enough to reimplement elsewhere (e.g. a checker script):
//   * Backends with weight 0 are left out. The rest are put in canonical order: by key, byte-wise
//     as unsigned bytes (std::string ordering).
//   * For each backend: offset = XXH64(key, kOffsetSeed) mod size,
//                       skip   = XXH64(key, kSkipSeed) mod (size - 1) + 1,
//     its preference list is offset, offset + skip, offset + 2*skip, ... (mod size), which visits
//     every slot once because size is prime.
//   * Backends take turns claiming their most preferred free slot until the ring is full. Whose
//     turn it is follows weighted fair queuing: a backend's k-th claim (k = 0, 1, ...) happens at
//     virtual time k / weight; the earliest time goes first, ties go to the earlier canonical
//     backend. So every backend claims its first slot in the first round, and slot counts are
//     proportional to weight to within one slot. Equal weights reduce to the paper's round robin.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <xdplb/abi.h>

namespace xdplb::dataplane {

// The ring value meaning "no backend": every slot of a ring built from an empty healthy set.
inline constexpr std::uint32_t kNoBackend = XDPLB_NO_BACKEND;

struct MaglevBackend {
  // Stable identity, identical on every node (e.g. "198.18.0.11:80"); the only input the
  // slot placement depends on besides the weight.
  std::string key;
  // This node's index for the backend: what the ring stores and the BPF program looks up.
  std::uint32_t id = 0;
  // Relative share of the ring; 0 takes the backend out of the ring.
  std::uint32_t weight = 1;
};

class MaglevRing {
 public:
  static constexpr std::uint32_t kDefaultSize = 65537;
  // IPVS's smallest Maglev table; a smaller ring cannot spread even a handful of backends evenly.
  static constexpr std::uint32_t kMinSize = 251;
  // Largest prime below 2^20: a 4 MiB ring per VIP is already a generous memory budget.
  static constexpr std::uint32_t kMaxSize = 1048573;

  // Seeds of the two key hashes; part of the ring definition, changing them moves every flow.
  static constexpr std::uint64_t kOffsetSeed = 0;
  static constexpr std::uint64_t kSkipSeed = 1;

  // True when `size` is a prime within [kMinSize, kMaxSize].
  static bool is_valid_size(std::uint32_t size) noexcept;

  // Builds a ring of `size` slots, each holding the id of a backend, or kNoBackend everywhere
  // when no backend has a positive weight.
  // Throws std::invalid_argument (and builds nothing) when the size is not valid, a key is empty
  // or repeated, an id is repeated or equals kNoBackend, or more backends have a positive weight
  // than the ring has slots.
  static std::vector<std::uint32_t> build(std::span<const MaglevBackend> backends,
                                          std::uint32_t size = kDefaultSize);

  // XXH64 of `bytes` with `seed`, as specified by the xxHash project (little-endian lanes on every
  // host), so rings are byte-identical across machines, compilers and builds.
  static std::uint64_t hash_key(std::string_view bytes, std::uint64_t seed) noexcept;
};

}  // namespace xdplb::dataplane
