#include "config/hex_string.h"

#include <string>

namespace xdplb::config {

namespace {

// A digit's value and whether it is a wildcard; nullopt: not a digit of HEX_STR.
struct Nibble {
  std::uint8_t value = 0;
  bool any = false;
};

std::optional<Nibble> read_nibble(char c, bool allow_mask) {
  if (c >= '0' && c <= '9') return Nibble{static_cast<std::uint8_t>(c - '0'), false};
  if (c >= 'a' && c <= 'f') return Nibble{static_cast<std::uint8_t>(c - 'a' + 10), false};
  if (c >= 'A' && c <= 'F') return Nibble{static_cast<std::uint8_t>(c - 'A' + 10), false};
  if (allow_mask && (c == 'x' || c == 'X')) return Nibble{0, true};
  return std::nullopt;
}

}  // namespace

std::optional<HexBytes> read_hex_string(std::span<const Token> words, bool allow_mask, std::string_view what,
                                        Diagnostics& diagnostics) {
  HexBytes out;
  std::vector<std::uint8_t> mask;
  bool masked = false;
  for (const auto& word : words) {
    const std::string& text = word.text;
    for (std::size_t i = 0; i < text.size(); i += 2) {
      const bool lone = i + 1 == text.size();
      const auto high = read_nibble(text[i], allow_mask);
      const auto low = lone ? std::optional<Nibble>(Nibble{}) : read_nibble(text[i + 1], allow_mask);
      if (!high || !low) {
        diagnostics.error(word.location, std::string(what) + ": '" + text + "' is not hexadecimal" +
                                             (allow_mask ? " (digits 0-9, a-f, or x for any)" : " (digits 0-9, a-f)"));
        return std::nullopt;
      }
      // A lone digit is the low nibble: "f" is 0F.
      const Nibble first = lone ? Nibble{} : *high;
      const Nibble second = lone ? *high : *low;
      out.data.push_back(static_cast<std::uint8_t>(first.value << 4 | second.value));
      mask.push_back(static_cast<std::uint8_t>((first.any ? 0xF0 : 0) | (second.any ? 0x0F : 0)));
      masked = masked || first.any || second.any;
    }
  }
  if (masked) out.mask = std::move(mask);
  return out;
}

}  // namespace xdplb::config
