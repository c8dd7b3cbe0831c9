#include "dataplane/maglev.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace xdplb::dataplane {

namespace {

// ---- XXH64, written from the xxHash specification ------------------------------------------

constexpr std::uint64_t kPrime1 = 0x9E3779B185EBCA87ULL;
constexpr std::uint64_t kPrime2 = 0xC2B2AE3D27D4EB4FULL;
constexpr std::uint64_t kPrime3 = 0x165667B19E3779F9ULL;
constexpr std::uint64_t kPrime4 = 0x85EBCA77C2B2AE63ULL;
constexpr std::uint64_t kPrime5 = 0x27D4EB2F165667C5ULL;

constexpr std::uint64_t rotate_left(std::uint64_t value, int bits) {
  return (value << bits) | (value >> (64 - bits));
}

// Lanes are little-endian by definition; assembling them byte by byte keeps big-endian hosts
// producing the same hash (compilers turn this into a plain load on little-endian ones).
std::uint64_t read_le64(const unsigned char* bytes) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | bytes[i];
  return value;
}

std::uint32_t read_le32(const unsigned char* bytes) {
  std::uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | bytes[i];
  return value;
}

constexpr std::uint64_t mix_lane(std::uint64_t accumulator, std::uint64_t lane) {
  accumulator += lane * kPrime2;
  accumulator = rotate_left(accumulator, 31);
  return accumulator * kPrime1;
}

constexpr std::uint64_t merge_accumulator(std::uint64_t accumulator, std::uint64_t lane_accumulator) {
  accumulator ^= mix_lane(0, lane_accumulator);
  return accumulator * kPrime1 + kPrime4;
}

// ---- ring construction ------------------------------------------------------------------------

bool is_prime(std::uint32_t value) {
  if (value < 2) return false;
  if (value % 2 == 0) return value == 2;
  for (std::uint32_t divisor = 3; divisor <= value / divisor; divisor += 2) {
    if (value % divisor == 0) return false;
  }
  return true;
}

// One backend while its slots are being claimed.
struct Claimant {
  std::uint32_t id;
  std::uint32_t weight;    // positive
  std::uint32_t position;  // next slot of its preference list to try
  std::uint32_t skip;
};

// The ring being filled, with a bitmap of its taken slots. The build's cost is the probing of
// taken slots by the last claims; an 8 KiB bitmap stays in L1 where the 256 KiB ring does not.
class FillingRing {
 public:
  explicit FillingRing(std::vector<std::uint32_t>& ring)
      : ring_(ring), size_(static_cast<std::uint32_t>(ring.size())), taken_((ring.size() + 63) / 64, 0) {}

  std::uint32_t size() const { return size_; }

  // Walks the claimant's preference list to its first free slot and takes it.
  void claim_next_slot(Claimant& claimant) {
    while (taken_[claimant.position >> 6] >> (claimant.position & 63) & 1u) advance(claimant);
    taken_[claimant.position >> 6] |= std::uint64_t{1} << (claimant.position & 63);
    ring_[claimant.position] = claimant.id;
    advance(claimant);
  }

 private:
  void advance(Claimant& claimant) const {
    claimant.position += claimant.skip;
    if (claimant.position >= size_) claimant.position -= size_;  // position, skip < size: no overflow
  }

  std::vector<std::uint32_t>& ring_;
  std::uint32_t size_;
  std::vector<std::uint64_t> taken_;
};

// Rejects input that would make the ring ambiguous, before anything is built.
void validate_backends(std::span<const MaglevBackend> backends) {
  std::vector<const MaglevBackend*> by_key;
  by_key.reserve(backends.size());
  std::vector<std::uint32_t> ids;
  ids.reserve(backends.size());
  for (const MaglevBackend& backend : backends) {
    if (backend.key.empty()) {
      throw std::invalid_argument("Maglev backend with id " + std::to_string(backend.id) +
                                  " has an empty key");
    }
    if (backend.id == kNoBackend) {
      throw std::invalid_argument("Maglev backend " + backend.key + " has id " + std::to_string(backend.id) +
                                  ", which is reserved for \"no backend\"");
    }
    by_key.push_back(&backend);
    ids.push_back(backend.id);
  }
  std::ranges::sort(by_key, {}, &MaglevBackend::key);
  const auto repeated_key = std::ranges::adjacent_find(
      by_key, [](const MaglevBackend* a, const MaglevBackend* b) { return a->key == b->key; });
  if (repeated_key != by_key.end()) {
    throw std::invalid_argument("Maglev backend key " + (*repeated_key)->key + " is given more than once");
  }
  std::ranges::sort(ids);
  const auto repeated_id = std::ranges::adjacent_find(ids);
  if (repeated_id != ids.end()) {
    throw std::invalid_argument("Maglev backend id " + std::to_string(*repeated_id) +
                                " is given to more than one backend");
  }
}

// The paper's schedule: with equal weights every backend claims one slot per round, in canonical
// order (the weighted schedule below reduces to exactly this; this path skips its heap).
void fill_round_robin(std::vector<Claimant>& claimants, std::vector<std::uint32_t>& ring) {
  FillingRing filling(ring);
  const std::uint32_t size = filling.size();
  std::uint32_t filled = 0;
  while (true) {
    for (Claimant& claimant : claimants) {
      filling.claim_next_slot(claimant);
      if (++filled == size) return;
    }
  }
}

// Weighted fair queuing over virtual time: a claimant makes its next claim at time
// claimed / weight. Exact rational comparison (claimed < 2^20, weight < 2^32, so the cross
// products fit in 64 bits); ties go to the earlier canonical index. Queue entries carry their own
// time so that heap comparisons stay within the queue's memory.
void fill_weighted(std::vector<Claimant>& claimants, std::vector<std::uint32_t>& ring) {
  struct Turn {
    std::uint32_t claimed;
    std::uint32_t weight;
    std::uint32_t index;
  };
  // std heaps keep the "largest" element on top: "largest" here is the turn due first.
  const auto due_later = [](const Turn& a, const Turn& b) {
    const std::uint64_t a_time = std::uint64_t{a.claimed} * b.weight;
    const std::uint64_t b_time = std::uint64_t{b.claimed} * a.weight;
    if (a_time != b_time) return a_time > b_time;
    return a.index > b.index;
  };
  FillingRing filling(ring);
  const std::uint32_t size = filling.size();
  std::vector<Turn> queue;
  queue.reserve(claimants.size());
  for (std::uint32_t index = 0; index < claimants.size(); ++index) {
    queue.push_back(Turn{.claimed = 0, .weight = claimants[index].weight, .index = index});
  }
  std::ranges::make_heap(queue, due_later);
  const std::size_t count = queue.size();
  for (std::uint32_t filled = 0; filled < size; ++filled) {
    // The turn on top claims a slot and is due again later: sift it down in place, half the
    // work of pop_heap followed by push_heap.
    Turn turn = queue.front();
    filling.claim_next_slot(claimants[turn.index]);
    ++turn.claimed;
    std::size_t hole = 0;
    for (std::size_t child = 1; child < count; child = 2 * hole + 1) {
      if (child + 1 < count && due_later(queue[child], queue[child + 1])) ++child;
      if (!due_later(turn, queue[child])) break;
      queue[hole] = queue[child];
      hole = child;
    }
    queue[hole] = turn;
  }
}

}  // namespace

std::uint64_t MaglevRing::hash_key(std::string_view bytes, std::uint64_t seed) noexcept {
  const auto* input = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t length = bytes.size();
  const unsigned char* const end = input + length;
  std::uint64_t hash = 0;

  if (length >= 32) {
    std::uint64_t lane_accumulators[4] = {seed + kPrime1 + kPrime2, seed + kPrime2, seed, seed - kPrime1};
    for (; end - input >= 32; input += 32) {
      for (int lane = 0; lane < 4; ++lane) {
        lane_accumulators[lane] = mix_lane(lane_accumulators[lane], read_le64(input + 8 * lane));
      }
    }
    hash = rotate_left(lane_accumulators[0], 1) + rotate_left(lane_accumulators[1], 7) +
           rotate_left(lane_accumulators[2], 12) + rotate_left(lane_accumulators[3], 18);
    for (const std::uint64_t lane_accumulator : lane_accumulators) {
      hash = merge_accumulator(hash, lane_accumulator);
    }
  } else {
    hash = seed + kPrime5;
  }
  hash += length;

  for (; end - input >= 8; input += 8) {
    hash ^= mix_lane(0, read_le64(input));
    hash = rotate_left(hash, 27) * kPrime1 + kPrime4;
  }
  if (end - input >= 4) {
    hash ^= std::uint64_t{read_le32(input)} * kPrime1;
    hash = rotate_left(hash, 23) * kPrime2 + kPrime3;
    input += 4;
  }
  for (; input != end; ++input) {
    hash ^= *input * kPrime5;
    hash = rotate_left(hash, 11) * kPrime1;
  }

  hash ^= hash >> 33;
  hash *= kPrime2;
  hash ^= hash >> 29;
  hash *= kPrime3;
  hash ^= hash >> 32;
  return hash;
}

bool MaglevRing::is_valid_size(std::uint32_t size) noexcept {
  return size >= kMinSize && size <= kMaxSize && is_prime(size);
}

std::vector<std::uint32_t> MaglevRing::build(std::span<const MaglevBackend> backends, std::uint32_t size) {
  if (!is_valid_size(size)) {
    throw std::invalid_argument("Maglev ring size " + std::to_string(size) + " is not a prime between " +
                                std::to_string(kMinSize) + " and " + std::to_string(kMaxSize));
  }
  validate_backends(backends);

  std::vector<const MaglevBackend*> in_service;
  in_service.reserve(backends.size());
  for (const MaglevBackend& backend : backends) {
    if (backend.weight > 0) in_service.push_back(&backend);
  }
  if (in_service.size() > size) {
    throw std::invalid_argument(std::to_string(in_service.size()) +
                                " backends with a positive weight do not fit a Maglev ring of " +
                                std::to_string(size) + " slots");
  }
  // Canonical order makes the result independent of the caller's order.
  std::ranges::sort(in_service, {}, &MaglevBackend::key);

  std::vector<std::uint32_t> ring(size, kNoBackend);
  if (in_service.empty()) return ring;

  std::vector<Claimant> claimants;
  claimants.reserve(in_service.size());
  bool equal_weights = true;
  for (const MaglevBackend* backend : in_service) {
    claimants.push_back(Claimant{
        .id = backend->id,
        .weight = backend->weight,
        .position = static_cast<std::uint32_t>(hash_key(backend->key, kOffsetSeed) % size),
        .skip = static_cast<std::uint32_t>(hash_key(backend->key, kSkipSeed) % (size - 1) + 1),
    });
    equal_weights = equal_weights && backend->weight == in_service.front()->weight;
  }

  if (equal_weights) {
    fill_round_robin(claimants, ring);
  } else {
    fill_weighted(claimants, ring);
  }
  return ring;
}

}  // namespace xdplb::dataplane
