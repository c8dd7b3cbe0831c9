// The process metrics every Prometheus client library exports, in their standard names
// (process_cpu_seconds_total, process_resident_memory_bytes, ...), read from /proc/self at each
// scrape: prometheus-cpp has no process collector. They describe the kernel's view of this process
// and read no agent state, so they are collected on the exposer's own threads, off the agent's loop.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

namespace xdplb::control {

struct ProcessFigures {
  double cpu_seconds = 0;           // user + system time of every thread
  std::uint64_t resident_bytes = 0;
  std::uint64_t virtual_bytes = 0;
  double start_time_seconds = 0;    // since the Unix epoch
  std::optional<std::uint64_t> open_fds;
  std::optional<std::uint64_t> max_fds;  // the soft RLIMIT_NOFILE; unset when unlimited
};

// /proc/self/stat: the fields after the command name, which may itself hold spaces and ')'. Unset
// when the text is not what the kernel writes. `boot_time_seconds` is /proc/stat's btime.
struct ProcStat {
  double cpu_seconds = 0;
  std::uint64_t resident_bytes = 0;
  std::uint64_t virtual_bytes = 0;
  double start_time_seconds = 0;
};
std::optional<ProcStat> parse_proc_self_stat(std::string_view text, long clock_ticks_per_second, long page_size,
                                             std::uint64_t boot_time_seconds);
// The "btime" line of /proc/stat.
std::optional<std::uint64_t> parse_boot_time(std::string_view proc_stat);

// Reads /proc/self/stat, /proc/stat, /proc/self/fd and getrlimit; unset when /proc cannot be read.
std::optional<ProcessFigures> read_process_figures();

std::vector<prometheus::MetricFamily> process_metric_families(const ProcessFigures& figures);

class ProcessCollector : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace xdplb::control
