// keepalived's HEX_STR (UDP_CHECK payload and require_reply): each word is read two hex digits to a
// byte, a lone last digit is the low nibble of one more byte ("Ab12f 3" is AB 12 0F 03). Where a
// mask is allowed, an X or x digit matches any value: its nibble is set in the mask.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "config/diagnostics.h"
#include "config/lexer.h"

namespace xdplb::config {

struct HexBytes {
  std::vector<std::uint8_t> data;
  std::vector<std::uint8_t> mask;  // empty unless an X was written; else one byte per data byte

  bool operator==(const HexBytes&) const = default;
};

// The bytes of `words`, or nullopt once a digit that is not hex (nor X where `allow_mask`) is
// reported at its word.
std::optional<HexBytes> read_hex_string(std::span<const Token> words, bool allow_mask, std::string_view what,
                                        Diagnostics& diagnostics);

}  // namespace xdplb::config
