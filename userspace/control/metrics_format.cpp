#include "control/metrics_format.h"

#include <charconv>
#include <cmath>
#include <set>
#include <stdexcept>
#include <system_error>

namespace xdplb::control {
namespace {

bool is_name_start(char c, bool allow_colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':');
}

bool is_name_char(char c, bool allow_colon) {
  return is_name_start(c, allow_colon) || (c >= '0' && c <= '9');
}

bool is_valid_name(std::string_view name, bool allow_colon) {
  if (name.empty() || !is_name_start(name.front(), allow_colon)) return false;
  for (const char c : name)
    if (!is_name_char(c, allow_colon)) return false;
  return true;
}

const char* type_keyword(MetricType type) {
  switch (type) {
    case MetricType::counter: return "counter";
    case MetricType::gauge: return "gauge";
    case MetricType::histogram: return "histogram";
    case MetricType::summary: return "summary";
    case MetricType::untyped: return "untyped";
  }
  return "untyped";
}

bool suffix_allowed(MetricType type, const std::string& suffix) {
  if (suffix.empty()) return type != MetricType::histogram;
  if (type == MetricType::histogram) return suffix == "_bucket" || suffix == "_sum" || suffix == "_count";
  if (type == MetricType::summary) return suffix == "_sum" || suffix == "_count";
  return false;
}

template <typename Integer>
std::string integer_text(Integer value) {
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, end);
}

std::string double_text(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (ec != std::errc()) throw std::logic_error("cannot format a metric value");
  return std::string(buffer, end);
}

void append_sample(std::string& out, const MetricFamily& family, const MetricSample& sample) {
  if (!suffix_allowed(family.type, sample.suffix))
    throw std::invalid_argument("metric " + family.name + ": suffix \"" + sample.suffix +
                                "\" is not valid for a " + type_keyword(family.type));
  out += family.name;
  out += sample.suffix;
  if (!sample.labels.empty()) {
    std::set<std::string_view> seen;
    out += '{';
    bool first = true;
    for (const auto& label : sample.labels) {
      if (!is_valid_label_name(label.name))
        throw std::invalid_argument("metric " + family.name + ": invalid label name \"" + label.name + "\"");
      if (!seen.insert(label.name).second)
        throw std::invalid_argument("metric " + family.name + ": label \"" + label.name + "\" given twice");
      if (!first) out += ',';
      first = false;
      out += label.name;
      out += "=\"";
      out += escape_label_value(label.value);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  out += format_metric_value(sample.value);
  out += '\n';
}

}  // namespace

bool is_valid_metric_name(std::string_view name) {
  return is_valid_name(name, true);
}

bool is_valid_label_name(std::string_view name) {
  // Names starting with "__" are reserved for Prometheus itself.
  return is_valid_name(name, false) && !name.starts_with("__");
}

namespace {

// The exposition format escapes backslash and newline everywhere, and the double quote in label values.
std::string escape(std::string_view text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (quote && c == '"')
      out += "\\\"";
    else
      out += c;
  }
  return out;
}

}  // namespace

std::string escape_help(std::string_view text) { return escape(text, false); }

std::string escape_label_value(std::string_view text) { return escape(text, true); }

std::string format_metric_value(const MetricValue& value) {
  if (const auto* u = std::get_if<std::uint64_t>(&value)) return integer_text(*u);
  if (const auto* i = std::get_if<std::int64_t>(&value)) return integer_text(*i);
  return double_text(std::get<double>(value));
}

std::string format_metrics(const std::vector<MetricFamily>& families) {
  std::string out;
  std::set<std::string_view> names;
  for (const auto& family : families) {
    if (!is_valid_metric_name(family.name))
      throw std::invalid_argument("invalid metric name \"" + family.name + "\"");
    if (!names.insert(family.name).second)
      throw std::invalid_argument("metric family \"" + family.name + "\" given twice");
    if (!family.help.empty()) out += "# HELP " + family.name + ' ' + escape_help(family.help) + '\n';
    out += "# TYPE " + family.name + ' ' + type_keyword(family.type) + '\n';
    for (const auto& sample : family.samples) append_sample(out, family, sample);
  }
  return out;
}

}  // namespace xdplb::control
