// The Prometheus text format: names, escaping, values, and the order of lines.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "control/metrics_format.h"

using namespace xdplb::control;

TEST_CASE("a family renders HELP, TYPE and one line per sample, labels in the given order") {
  const std::vector<MetricFamily> families = {
      {"xdplb_vip_packets_total",
       "Packets forwarded per VIP.",
       MetricType::counter,
       {{{{"vip", "tcp/198.18.0.100:80"}}, std::uint64_t{42}, ""},
        {{{"vip", "tcp/[fd00::100]:443"}}, std::uint64_t{0}, ""}}},
      {"xdplb_vrrp_state",
       "VRRP state per instance (1 for the current state).",
       MetricType::gauge,
       {{{{"instance", "VI_1"}, {"state", "MASTER"}}, std::int64_t{1}, ""}}},
  };
  CHECK(format_metrics(families) ==
        "# HELP xdplb_vip_packets_total Packets forwarded per VIP.\n"
        "# TYPE xdplb_vip_packets_total counter\n"
        "xdplb_vip_packets_total{vip=\"tcp/198.18.0.100:80\"} 42\n"
        "xdplb_vip_packets_total{vip=\"tcp/[fd00::100]:443\"} 0\n"
        "# HELP xdplb_vrrp_state VRRP state per instance (1 for the current state).\n"
        "# TYPE xdplb_vrrp_state gauge\n"
        "xdplb_vrrp_state{instance=\"VI_1\",state=\"MASTER\"} 1\n");
}

TEST_CASE("a sample without labels has no braces - a family without HELP has only TYPE") {
  CHECK(format_metrics({{"xdplb_up", "", MetricType::gauge, {{{}, std::uint64_t{1}, ""}}}}) ==
        "# TYPE xdplb_up gauge\nxdplb_up 1\n");
  CHECK(format_metrics({{"xdplb_empty", "Nothing yet.", MetricType::counter, {}}}) ==
        "# HELP xdplb_empty Nothing yet.\n# TYPE xdplb_empty counter\n");
}

TEST_CASE("HELP escapes backslash and newline - label values also escape the double quote") {
  CHECK(escape_help("a\\b\nc \"q\"") == "a\\\\b\\nc \"q\"");
  CHECK(escape_label_value("a\\b\nc \"q\"") == "a\\\\b\\nc \\\"q\\\"");
  CHECK(escape_label_value("plain UTF-8 é") == "plain UTF-8 é");
  const auto text = format_metrics(
      {{"m", "line1\nline2", MetricType::gauge, {{{{"path", "C:\\x \"y\"\n"}}, std::uint64_t{1}, ""}}}});
  CHECK(text == "# HELP m line1\\nline2\n# TYPE m gauge\nm{path=\"C:\\\\x \\\"y\\\"\\n\"} 1\n");
}

TEST_CASE("values print exactly: large integers, negative integers, shortest doubles and specials") {
  CHECK(format_metric_value(std::uint64_t{18446744073709551615u}) == "18446744073709551615");
  CHECK(format_metric_value(std::uint64_t{9007199254740993u}) == "9007199254740993");  // 2^53 + 1
  CHECK(format_metric_value(std::int64_t{-3}) == "-3");
  CHECK(format_metric_value(0.25) == "0.25");
  CHECK(format_metric_value(0.1) == "0.1");
  CHECK(format_metric_value(1e-7) == "1e-07");
  CHECK(format_metric_value(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  CHECK(format_metric_value(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(format_metric_value(-std::numeric_limits<double>::infinity()) == "-Inf");
}

TEST_CASE("a histogram takes _bucket, _sum and _count samples only") {
  const MetricFamily latency{"xdplb_check_duration_seconds",
                             "Health check duration.",
                             MetricType::histogram,
                             {{{{"le", "0.1"}}, std::uint64_t{3}, "_bucket"},
                              {{{"le", "+Inf"}}, std::uint64_t{4}, "_bucket"},
                              {{}, 0.5, "_sum"},
                              {{}, std::uint64_t{4}, "_count"}}};
  CHECK(format_metrics({latency}) ==
        "# HELP xdplb_check_duration_seconds Health check duration.\n"
        "# TYPE xdplb_check_duration_seconds histogram\n"
        "xdplb_check_duration_seconds_bucket{le=\"0.1\"} 3\n"
        "xdplb_check_duration_seconds_bucket{le=\"+Inf\"} 4\n"
        "xdplb_check_duration_seconds_sum 0.5\n"
        "xdplb_check_duration_seconds_count 4\n");
  MetricFamily bare = latency;
  bare.samples = {{{}, std::uint64_t{1}, ""}};
  CHECK_THROWS_AS(format_metrics({bare}), std::invalid_argument);
  MetricFamily counter_with_suffix{"c_total", "", MetricType::counter, {{{}, std::uint64_t{1}, "_sum"}}};
  CHECK_THROWS_AS(format_metrics({counter_with_suffix}), std::invalid_argument);
}

TEST_CASE("invalid names, reserved or repeated labels and duplicate families are refused") {
  CHECK(is_valid_metric_name("xdplb:recorded_rule_total"));
  CHECK_FALSE(is_valid_metric_name("1xdplb"));
  CHECK_FALSE(is_valid_metric_name("xdplb-packets"));
  CHECK_FALSE(is_valid_metric_name(""));
  CHECK(is_valid_label_name("_vip"));
  CHECK_FALSE(is_valid_label_name("__name__"));
  CHECK_FALSE(is_valid_label_name("a:b"));
  CHECK_FALSE(is_valid_label_name("9"));

  CHECK_THROWS_AS(format_metrics({{"bad name", "", MetricType::gauge, {}}}), std::invalid_argument);
  CHECK_THROWS_AS(format_metrics({{"m", "", MetricType::gauge, {{{{"__x", "1"}}, std::uint64_t{1}, ""}}}}),
                  std::invalid_argument);
  CHECK_THROWS_AS(
      format_metrics({{"m", "", MetricType::gauge, {{{{"vip", "a"}, {"vip", "b"}}, std::uint64_t{1}, ""}}}}),
      std::invalid_argument);
  CHECK_THROWS_AS(format_metrics({{"m", "", MetricType::gauge, {}}, {"m", "", MetricType::gauge, {}}}),
                  std::invalid_argument);
}
