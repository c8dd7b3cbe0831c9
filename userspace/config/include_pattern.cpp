#include "config/include_pattern.h"

namespace xdplb::config {

namespace {

IncludeChecks merged(IncludeChecks a, const IncludeChecks& b) {
  a.readable = a.readable || b.readable;
  a.match = a.match || b.match;
  a.wildcard_match = a.wildcard_match || b.wildcard_match;
  a.brace_match = a.brace_match || b.brace_match;
  if (a.match || a.wildcard_match || a.brace_match) a.readable = true;
  return a;
}

// The position of the '}' closing the '{' at `open`, or npos.
std::size_t matching_brace(std::string_view text, std::size_t open) {
  int depth = 0;
  for (std::size_t i = open; i < text.size(); ++i) {
    if (text[i] == '{') ++depth;
    if (text[i] == '}' && --depth == 0) return i;
  }
  return std::string_view::npos;
}

// The alternatives of "{...}" content, split at top-level commas.
std::vector<std::string_view> alternatives(std::string_view inside) {
  std::vector<std::string_view> out;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= inside.size(); ++i) {
    const char c = i < inside.size() ? inside[i] : ',';
    if (c == '{') ++depth;
    if (c == '}') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(inside.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

}  // namespace

std::optional<IncludeChecks> include_directive_checks(std::string_view word) {
  if (word == "include") return IncludeChecks{};
  if (word == "includer") return IncludeChecks{.readable = true};
  if (word == "includem") return merged({}, IncludeChecks{.match = true});
  if (word == "includew") return merged({}, IncludeChecks{.wildcard_match = true});
  if (word == "includeb") return merged({}, IncludeChecks{.brace_match = true});
  if (word == "includea") return IncludeChecks::all();
  return std::nullopt;
}

std::optional<IncludeChecks> apply_include_check(IncludeChecks current, const std::vector<std::string>& words,
                                                 std::string& error) {
  if (words.empty()) return IncludeChecks::all();
  for (const auto& word : words) {
    std::string_view name = word;
    bool add = true;
    if (name.starts_with('+') || name.starts_with('-')) {
      add = name.front() == '+';
      name.remove_prefix(1);
    }
    bool IncludeChecks::*field = nullptr;
    if (name == "readable") field = &IncludeChecks::readable;
    if (name == "match") field = &IncludeChecks::match;
    if (name == "wildcard_match") field = &IncludeChecks::wildcard_match;
    if (name == "brace_match") field = &IncludeChecks::brace_match;
    if (!field) {
      error = "include_check option '" + word + "' is not readable, match, wildcard_match or brace_match";
      return std::nullopt;
    }
    current.*field = add;
  }
  if (current.match || current.wildcard_match || current.brace_match) current.readable = true;
  return current;
}

std::vector<std::string> expand_braces(std::string_view pattern) {
  const auto open = pattern.find('{');
  if (open == std::string_view::npos) return {std::string(pattern)};
  const auto close = matching_brace(pattern, open);
  if (close == std::string_view::npos) return {std::string(pattern)};
  const std::string head(pattern.substr(0, open));
  const auto tails = expand_braces(pattern.substr(close + 1));
  std::vector<std::string> out;
  for (const auto alternative : alternatives(pattern.substr(open + 1, close - open - 1))) {
    for (const auto& middle : expand_braces(alternative)) {
      for (const auto& tail : tails) out.push_back(head + middle + tail);
    }
  }
  return out;
}

bool has_wildcard(std::string_view pattern) {
  return pattern.find_first_of("*?[") != std::string_view::npos;
}

}  // namespace xdplb::config
