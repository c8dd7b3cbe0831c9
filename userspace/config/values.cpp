#include "config/values.h"

#include <charconv>
#include <utility>

namespace xdplb::config {

namespace {

std::string quote(std::string_view text) {
  return "'" + std::string(text) + "'";
}

}  // namespace

std::optional<std::int64_t> read_integer(const Token& token, std::int64_t min, std::int64_t max,
                                         std::string_view what, Diagnostics& diagnostics) {
  const std::string& text = token.text;
  std::int64_t value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (!text.empty() && text.front() == '+') ++begin;
  const auto [stop, ec] = std::from_chars(begin, end, value);
  if (text.empty() || ec == std::errc::invalid_argument || stop != end) {
    diagnostics.error(token.location, std::string(what) + " must be an integer, not " + quote(text));
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range || value < min || value > max) {
    diagnostics.error(token.location, std::string(what) + " " + text + " is out of range (" +
                                          std::to_string(min) + "-" + std::to_string(max) + ")");
    return std::nullopt;
  }
  return value;
}

std::optional<Duration> read_seconds(const Token& token, Duration min, Duration max, std::string_view what,
                                     Diagnostics& diagnostics) {
  const std::string& text = token.text;
  const auto dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  const std::string fraction = dot == std::string::npos ? "" : text.substr(dot + 1);
  const auto all_digits = [](const std::string& s) {
    return s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (text.empty() || (whole.empty() && fraction.empty()) || !all_digits(whole) || !all_digits(fraction) ||
      (dot != std::string::npos && fraction.empty())) {
    diagnostics.error(token.location, std::string(what) + " must be a number of seconds, not " + quote(text));
    return std::nullopt;
  }
  if (fraction.size() > 3 && fraction.find_first_not_of('0', 3) != std::string::npos) {
    diagnostics.error(token.location, std::string(what) + " " + text + " is finer than a millisecond");
    return std::nullopt;
  }
  // Anything with more than 9 whole digits is out of every range we accept.
  if (whole.size() > 9) {
    diagnostics.error(token.location, std::string(what) + " " + text + " is out of range");
    return std::nullopt;
  }
  std::int64_t milliseconds = whole.empty() ? 0 : std::stoll(whole) * 1000;
  std::string millis = fraction.substr(0, 3);
  millis.resize(3, '0');
  milliseconds += std::stoll(millis);
  const Duration value{milliseconds};
  if (value < min || value > max) {
    const auto seconds = [](Duration d) {
      std::string s = std::to_string(d.count() / 1000);
      if (d.count() % 1000) {
        std::string ms = std::to_string(d.count() % 1000);
        ms.insert(0, 3 - ms.size(), '0');
        while (ms.back() == '0') ms.pop_back();
        s += "." + ms;
      }
      return s;
    };
    diagnostics.error(token.location, std::string(what) + " " + text + " is out of range (" + seconds(min) +
                                          "-" + seconds(max) + " seconds)");
    return std::nullopt;
  }
  return value;
}

std::optional<IpAddress> read_address(const Token& token, bool allow_prefix, std::string_view what,
                                      Diagnostics& diagnostics) {
  std::string reason;
  auto address = IpAddress::parse(token.text, &reason);
  if (!address) {
    diagnostics.error(token.location, std::string(what) + ": " + reason);
    return std::nullopt;
  }
  if (!allow_prefix && address->has_prefix) {
    diagnostics.error(token.location, std::string(what) + " takes no prefix length: " + quote(token.text));
    return std::nullopt;
  }
  return address;
}

std::optional<std::uint16_t> read_port(const Token& token, std::string_view what, Diagnostics& diagnostics) {
  const auto value = read_integer(token, 1, 65535, what, diagnostics);
  if (!value) return std::nullopt;
  return static_cast<std::uint16_t>(*value);
}

std::optional<std::uint16_t> read_service_port(const Token& token, std::string_view what, Diagnostics& diagnostics) {
  const auto value = read_integer(token, 0, 65535, what, diagnostics);
  if (!value) return std::nullopt;
  return static_cast<std::uint16_t>(*value);
}

std::optional<bool> read_bool(const Token& token, std::string_view keyword, Diagnostics& diagnostics) {
  static constexpr std::pair<std::string_view, bool> words[] = {{"true", true}, {"false", false}, {"yes", true},
                                                                {"no", false},    {"on", true},     {"off", false}};
  for (const auto& [word, value] : words)
    if (token.text == word) return value;
  diagnostics.error(token.location, quote(keyword) + " takes true/false, yes/no or on/off (keepalived's BOOL), not " +
                                        quote(token.text));
  return std::nullopt;
}

const Token* require_argument(const SyntaxNode& node, std::size_t index, std::string_view what,
                              Diagnostics& diagnostics) {
  if (index < node.arguments.size()) return &node.arguments[index];
  diagnostics.error(node.location(), quote(node.keyword.text) + " needs " + std::string(what));
  return nullptr;
}

std::string join_arguments(const SyntaxNode& node, std::size_t from) {
  std::string joined;
  for (std::size_t i = from; i < node.arguments.size(); ++i) {
    if (!joined.empty()) joined += ' ';
    joined += node.arguments[i].text;
  }
  return joined;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace xdplb::config
