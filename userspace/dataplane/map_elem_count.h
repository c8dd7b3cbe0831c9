// How many entries a BPF map holds now, from the kernel's own per-map element count (Linux 6.6 and
// later keep one for hash maps, LRU ones included), read through a small bpf_map iterator program
// (bpf/map_elem_count.bpf.c). Cheap enough for every metrics scrape: one read visits the header of
// every map of the system, none of the map's entries (BENCHMARKS.md, Metrics). Walking the keys of
// a 1M-entry conntrack table instead costs about a second of syscalls.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

struct map_elem_count_bpf;
struct bpf_link;

namespace xdplb::dataplane {

class MapElementCount {
 public:
  // Loads and attaches the iterator for the map behind `map_fd` (which must outlive this object).
  // On a kernel without bpf_map_sum_elem_count (before 6.6) or without the rights to load a
  // tracing program, nothing is thrown: available() is false and unavailable_reason() says why.
  explicit MapElementCount(int map_fd);
  ~MapElementCount();
  MapElementCount(const MapElementCount&) = delete;
  MapElementCount& operator=(const MapElementCount&) = delete;

  bool available() const { return link_ != nullptr; }
  const std::string& unavailable_reason() const { return reason_; }
  // The map's max_entries (0 when its info cannot be read).
  std::uint32_t capacity() const { return capacity_; }
  // Entries in the map now; unset when unavailable or when the read fails.
  std::optional<std::uint64_t> count() const;

 private:
  struct SkeletonDestroy {
    void operator()(::map_elem_count_bpf* skel) const;
  };
  std::unique_ptr<::map_elem_count_bpf, SkeletonDestroy> skel_;
  ::bpf_link* link_ = nullptr;
  std::uint32_t capacity_ = 0;
  std::string reason_;
};

}  // namespace xdplb::dataplane
