// Prometheus text exposition format (version 0.0.4): metric families in, the HTTP body out.
// Pure: no I/O, so every escaping and naming rule is a unit test.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace xdplb::control {

enum class MetricType { counter, gauge, histogram, summary, untyped };

// Integers are kept apart from doubles: a byte counter passes 2^53 within days at line rate and must
// still print exactly.
using MetricValue = std::variant<std::uint64_t, std::int64_t, double>;

struct MetricLabel {
  std::string name;
  std::string value;
};

struct MetricSample {
  std::vector<MetricLabel> labels;
  MetricValue value = std::uint64_t{0};
  // Appended to the family name: "_bucket", "_sum", "_count" for histograms and summaries.
  std::string suffix;
};

struct MetricFamily {
  std::string name;
  std::string help;
  MetricType type = MetricType::untyped;
  std::vector<MetricSample> samples;
};

// The Content-Type of the text format.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// Renders the families in order: "# HELP", "# TYPE", then one line per sample. Throws
// std::invalid_argument for an invalid metric or label name, a reserved label name ("__" prefix),
// a label repeated in one sample, a family name used twice, or a suffix the type does not allow.
std::string format_metrics(const std::vector<MetricFamily>& families);

// The escaping rules, exposed for their tests: HELP text escapes '\' and newline; label values
// also escape '"'.
std::string escape_help(std::string_view text);
std::string escape_label_value(std::string_view text);
// "1", "-3", "0.25", "NaN", "+Inf", "-Inf"; doubles in their shortest exact form.
std::string format_metric_value(const MetricValue& value);

bool is_valid_metric_name(std::string_view name);
bool is_valid_label_name(std::string_view name);

}  // namespace xdplb::control
