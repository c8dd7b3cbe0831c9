#include "dataplane/ring_table.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>
#include <string_view>

namespace xdplb::dataplane {

std::vector<std::uint32_t> build_rotation_ring(std::span<const MaglevBackend> backends, std::uint32_t size) {
  std::vector<const MaglevBackend*> active;
  for (const auto& b : backends)
    if (b.weight > 0) active.push_back(&b);
  std::vector<std::uint32_t> ring(size, kNoBackend);
  if (active.empty() || size == 0) return ring;
  // Canonical order, as for Maglev: the same set gives the same rotation on every node.
  std::sort(active.begin(), active.end(), [](auto* a, auto* b) { return a->key < b->key; });

  std::uint32_t divisor = 0;
  for (auto* b : active) divisor = std::gcd(divisor, b->weight);
  std::uint64_t total = 0;
  for (auto* b : active) total += b->weight / divisor;
  const std::uint64_t period = std::min<std::uint64_t>(total, size);

  // Smooth weighted round robin: each turn every server gains its weight, the richest serves and
  // pays the total.
  std::vector<std::int64_t> credit(active.size(), 0);
  for (std::uint64_t slot = 0; slot < period; ++slot) {
    size_t best = 0;
    for (size_t i = 0; i < active.size(); ++i) {
      credit[i] += active[i]->weight / divisor;
      if (credit[i] > credit[best]) best = i;
    }
    credit[best] -= static_cast<std::int64_t>(total);
    ring[slot] = active[best]->id;
  }
  for (std::uint64_t slot = period; slot < size; ++slot) ring[slot] = ring[slot % period];
  return ring;
}

std::vector<std::uint32_t> build_ring(const RingShape& shape, std::span<const std::uint32_t> ids) {
  if (ids.size() != shape.members.size())
    throw std::invalid_argument("a ring of " + std::to_string(shape.members.size()) + " members given " +
                                std::to_string(ids.size()) + " ids");
  std::vector<MaglevBackend> backends;
  backends.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i)
    backends.push_back({shape.members[i].backend.endpoint(), ids[i], shape.members[i].weight});
  return shape.algorithm == Algorithm::rotation ? build_rotation_ring(backends, shape.size)
                                                : MaglevRing::build(backends, shape.size);
}

std::uint64_t ring_digest(std::span<const std::uint32_t> ring) {
  const std::string_view bytes(reinterpret_cast<const char*>(ring.data()), ring.size() * sizeof(std::uint32_t));
  return MaglevRing::hash_key(bytes, ring.size()) | 1;
}

}  // namespace xdplb::dataplane
