// Small integer ids (VIP ids, backend ids) handed out lowest-free-first and given back on removal.
#pragma once

#include <cstdint>
#include <optional>
#include <set>

namespace xdplb::dataplane {

class IdPool {
 public:
  explicit IdPool(std::uint32_t capacity) : capacity_(capacity) {}

  // The lowest free id, or nullopt when all `capacity` ids are taken.
  std::optional<std::uint32_t> take() {
    if (!released_.empty()) {
      const auto id = *released_.begin();
      released_.erase(released_.begin());
      return id;
    }
    if (next_ >= capacity_) return std::nullopt;
    return next_++;
  }

  // Marks a specific id as taken (adopting state pinned by an earlier run).
  void claim(std::uint32_t id) {
    while (next_ <= id) released_.insert(next_++);
    released_.erase(id);
  }

  void give_back(std::uint32_t id) {
    if (id < next_) released_.insert(id);
  }

  std::uint32_t in_use() const { return next_ - static_cast<std::uint32_t>(released_.size()); }

 private:
  std::uint32_t capacity_;
  std::uint32_t next_ = 0;
  std::set<std::uint32_t> released_;
};

}  // namespace xdplb::dataplane
