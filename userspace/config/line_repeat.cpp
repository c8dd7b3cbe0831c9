#include "config/line_repeat.h"

#include <cerrno>
#include <cstdlib>

namespace xdplb::config {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The comma-separated items between the parentheses, split at commas outside { }.
std::optional<std::vector<std::string_view>> split_items(std::string_view inside, std::string& error) {
  std::vector<std::string_view> items;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= inside.size(); ++i) {
    const char c = i < inside.size() ? inside[i] : ',';
    if (c == '{') ++depth;
    if (c == '}' && --depth < 0) {
      error = "'}' without '{'";
      return std::nullopt;
    }
    if (c == ',' && depth == 0) {
      items.push_back(trim(inside.substr(start, i - start)));
      start = i + 1;
    }
  }
  if (depth != 0) {
    error = "'{' without '}'";
    return std::nullopt;
  }
  return items;
}

bool is_variable_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (const char c : name) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

// "{a, b}" -> {"a", "b"}; "a" -> {"a"}.
std::vector<std::string_view> group_items(std::string_view item, std::string& error) {
  if (!item.starts_with('{')) return {item};
  if (!item.ends_with('}')) {
    error = "'" + std::string(item) + "' must end with '}'";
    return {};
  }
  std::vector<std::string_view> out;
  std::string_view inside = item.substr(1, item.size() - 2);
  std::size_t start = 0;
  for (std::size_t i = 0; i <= inside.size(); ++i) {
    if (i == inside.size() || inside[i] == ',') {
      out.push_back(trim(inside.substr(start, i - start)));
      start = i + 1;
    }
  }
  return out;
}

std::optional<long long> read_number(std::string_view text, std::string& error) {
  const std::string copy(text);
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(copy.c_str(), &end, 0);  // 0x.. is hexadecimal
  if (copy.empty() || errno != 0 || *end != '\0') {
    error = "'" + copy + "' is not a number";
    return std::nullopt;
  }
  return value;
}

std::string format_number(long long value, bool hex) {
  if (!hex) return std::to_string(value);
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  const bool negative = value < 0;
  unsigned long long magnitude = negative ? 0ULL - static_cast<unsigned long long>(value) : value;
  do {
    out.insert(out.begin(), digits[magnitude % 16]);
    magnitude /= 16;
  } while (magnitude != 0);
  return negative ? "-" + out : out;
}

// ~SEQ(var, end), ~SEQ(var, start, end), ~SEQ(var, start, step, end), as keepalived.conf(5) says:
// start defaults to 1 (or -1 when end < 0), step to 1 or -1 towards end.
std::optional<LineRepeat> parse_sequence(const std::vector<std::string_view>& items, bool hex, std::string& error) {
  if (items.size() < 2 || items.size() > 4) {
    error = "~SEQ takes (VAR, [START, [STEP,]] END)";
    return std::nullopt;
  }
  if (!is_variable_name(items[0])) {
    error = "'" + std::string(items[0]) + "' is not a variable name";
    return std::nullopt;
  }
  const auto end = read_number(items.back(), error);
  if (!end) return std::nullopt;
  std::optional<long long> start = *end < 0 ? -1 : 1;
  if (items.size() >= 3) start = read_number(items[1], error);
  if (!start) return std::nullopt;
  std::optional<long long> step = *end >= *start ? 1 : -1;
  if (items.size() == 4) step = read_number(items[2], error);
  if (!step) return std::nullopt;
  if (*step == 0) {
    error = "~SEQ step 0 never ends";
    return std::nullopt;
  }
  LineRepeat repeat;
  const std::string name(items[0]);
  for (long long v = *start; *step > 0 ? v <= *end : v >= *end; v += *step) {
    if (repeat.values.size() == max_line_repeats) {
      error = "~SEQ makes more than " + std::to_string(max_line_repeats) + " lines";
      return std::nullopt;
    }
    repeat.values.push_back({{name, format_number(v, hex)}});
  }
  return repeat;
}

// ~LST(var, v1, v2, ...) or ~LST({a, b}, {1, 2}, {3, 4}).
std::optional<LineRepeat> parse_list(const std::vector<std::string_view>& items, std::string& error) {
  if (items.size() < 2) {
    error = "~LST takes (VAR, VALUE, ...)";
    return std::nullopt;
  }
  const auto names = group_items(items[0], error);
  if (names.empty()) return std::nullopt;
  for (const auto name : names) {
    if (!is_variable_name(name)) {
      error = "'" + std::string(name) + "' is not a variable name";
      return std::nullopt;
    }
  }
  LineRepeat repeat;
  for (std::size_t i = 1; i < items.size(); ++i) {
    const auto values = group_items(items[i], error);
    if (values.size() != names.size()) {
      if (error.empty())
        error = "'" + std::string(items[i]) + "' has " + std::to_string(values.size()) + " values for " +
                std::to_string(names.size()) + " variables";
      return std::nullopt;
    }
    std::map<std::string, std::string> one;
    for (std::size_t k = 0; k < names.size(); ++k) one[std::string(names[k])] = std::string(values[k]);
    repeat.values.push_back(std::move(one));
  }
  return repeat;
}

}  // namespace

bool starts_line_repeat(std::string_view line) {
  return line.starts_with("~SEQ(") || line.starts_with("~SEQx(") || line.starts_with("~LST(");
}

std::optional<LineRepeat> parse_line_repeat(std::string_view line, std::string& error) {
  const auto open = line.find('(');
  const std::string_view kind = line.substr(0, open);
  int depth = 0;
  std::size_t close = std::string_view::npos;
  for (std::size_t i = open; i < line.size(); ++i) {
    if (line[i] == '(') ++depth;
    if (line[i] == ')' && --depth == 0) {
      close = i;
      break;
    }
  }
  if (close == std::string_view::npos) {
    error = std::string(kind) + "( is not closed by ')'";
    return std::nullopt;
  }
  const auto items = split_items(line.substr(open + 1, close - open - 1), error);
  if (!items) return std::nullopt;
  auto repeat = kind == "~LST" ? parse_list(*items, error) : parse_sequence(*items, kind == "~SEQx", error);
  if (!repeat) return std::nullopt;
  repeat->remainder = trim(line.substr(close + 1));
  return repeat;
}

}  // namespace xdplb::config
