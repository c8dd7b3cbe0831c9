// keepalived's line repetition: a line starting "~SEQ(var, start, step, end)", "~SEQx(...)" (the
// value in hexadecimal) or "~LST(var, v1, v2, ...)" / "~LST({a, b}, {1, 2}, {3, 4})" stands for its
// remainder once per value, with $var (or $a, $b) defined as that value.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xdplb::config {

struct LineRepeat {
  // One map of variable -> value per repetition, in order.
  std::vector<std::map<std::string, std::string>> values;
  std::string_view remainder;  // the rest of the line after the closing ')'
};

// Bounds one ~SEQ: a typo in `end` must not generate a billion lines.
constexpr std::size_t max_line_repeats = 65536;

// Whether `line` (leading whitespace already skipped) starts with ~SEQ, ~SEQx or ~LST.
bool starts_line_repeat(std::string_view line);

// Parses the repetition at the start of `line`; nullopt with `error` set when it is malformed.
std::optional<LineRepeat> parse_line_repeat(std::string_view line, std::string& error);

}  // namespace xdplb::config
