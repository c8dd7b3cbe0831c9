// A cursor over a libFuzzer input that hands out small integers and byte runs. Reading past the
// end yields zeros and empty runs instead of failing, so every input, even a truncated one, is a
// complete program for the target that interprets it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

namespace xdplb::fuzz {

class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size) : bytes_(data, size) {}

  bool empty() const { return position_ >= bytes_.size(); }

  std::uint8_t u8() { return empty() ? 0 : bytes_[position_++]; }

  std::uint16_t u16() {
    const std::uint16_t high = u8();
    return static_cast<std::uint16_t>(high << 8 | u8());
  }

  bool flag() { return (u8() & 1) != 0; }

  // Up to `length` bytes, fewer when the input runs out.
  std::span<const std::uint8_t> bytes(std::size_t length) {
    const std::size_t available = empty() ? 0 : bytes_.size() - position_;
    const std::size_t taken = std::min(length, available);
    const auto run = bytes_.subspan(position_, taken);
    position_ += taken;
    return run;
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t position_ = 0;
};

}  // namespace xdplb::fuzz
