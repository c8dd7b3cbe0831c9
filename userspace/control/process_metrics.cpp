#include "control/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <string>

namespace xdplb::control {
namespace {

std::optional<std::uint64_t> to_number(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<std::string> read_file(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::optional<std::uint64_t> count_open_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return std::nullopt;
  std::uint64_t count = 0;
  while (const dirent* entry = ::readdir(dir))
    if (entry->d_name[0] != '.') ++count;
  ::closedir(dir);
  return count - 1;  // not the descriptor that reads the directory
}

prometheus::MetricFamily one(std::string name, std::string help, prometheus::MetricType type, double value) {
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter)
    metric.counter.value = value;
  else
    metric.gauge.value = value;
  return {std::move(name), std::move(help), type, {metric}};
}

}  // namespace

std::optional<ProcStat> parse_proc_self_stat(std::string_view text, long clock_ticks_per_second, long page_size,
                                             std::uint64_t boot_time_seconds) {
  // "PID (COMM) STATE PPID ...": COMM may contain anything, so the fields start after the last ')'.
  const auto close = text.rfind(')');
  if (close == std::string_view::npos || clock_ticks_per_second <= 0 || page_size <= 0) return std::nullopt;
  std::vector<std::string_view> fields;  // fields[0] is field 3 of proc(5), STATE
  std::string_view rest = text.substr(close + 1);
  while (!rest.empty()) {
    const auto start = rest.find_first_not_of(" \n");
    if (start == std::string_view::npos) break;
    rest = rest.substr(start);
    const auto end = rest.find_first_of(" \n");
    fields.push_back(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  }
  if (fields.size() < 22) return std::nullopt;
  const auto utime = to_number(fields[11]), stime = to_number(fields[12]);      // fields 14, 15
  const auto start = to_number(fields[19]), vsize = to_number(fields[20]);      // fields 22, 23
  const auto rss = to_number(fields[21]);                                       // field 24, in pages
  if (!utime || !stime || !start || !vsize || !rss) return std::nullopt;
  const auto ticks = static_cast<double>(clock_ticks_per_second);
  return ProcStat{static_cast<double>(*utime + *stime) / ticks, *rss * static_cast<std::uint64_t>(page_size), *vsize,
                  static_cast<double>(boot_time_seconds) + static_cast<double>(*start) / ticks};
}

std::optional<std::uint64_t> parse_boot_time(std::string_view proc_stat) {
  std::size_t at = 0;
  while (at < proc_stat.size()) {
    const auto end = proc_stat.find('\n', at);
    const auto line = proc_stat.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
    if (line.starts_with("btime ")) return to_number(line.substr(6));
    if (end == std::string_view::npos) break;
    at = end + 1;
  }
  return std::nullopt;
}

std::optional<ProcessFigures> read_process_figures() {
  const auto stat = read_file("/proc/self/stat");
  const auto system_stat = read_file("/proc/stat");
  if (!stat || !system_stat) return std::nullopt;
  const auto boot = parse_boot_time(*system_stat);
  if (!boot) return std::nullopt;
  const auto parsed = parse_proc_self_stat(*stat, ::sysconf(_SC_CLK_TCK), ::sysconf(_SC_PAGESIZE), *boot);
  if (!parsed) return std::nullopt;
  ProcessFigures out;
  out.cpu_seconds = parsed->cpu_seconds;
  out.resident_bytes = parsed->resident_bytes;
  out.virtual_bytes = parsed->virtual_bytes;
  out.start_time_seconds = parsed->start_time_seconds;
  out.open_fds = count_open_fds();
  if (rlimit limit{}; ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
    out.max_fds = limit.rlim_cur;
  return out;
}

std::vector<prometheus::MetricFamily> process_metric_families(const ProcessFigures& f) {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  out.push_back(one("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                    MetricType::Counter, f.cpu_seconds));
  out.push_back(one("process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::Gauge,
                    static_cast<double>(f.resident_bytes)));
  out.push_back(one("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::Gauge,
                    static_cast<double>(f.virtual_bytes)));
  out.push_back(one("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
                    MetricType::Gauge, f.start_time_seconds));
  if (f.open_fds)
    out.push_back(one("process_open_fds", "Number of open file descriptors.", MetricType::Gauge,
                      static_cast<double>(*f.open_fds)));
  if (f.max_fds)
    out.push_back(one("process_max_fds", "Maximum number of open file descriptors.", MetricType::Gauge,
                      static_cast<double>(*f.max_fds)));
  return out;
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  const auto figures = read_process_figures();
  return figures ? process_metric_families(*figures) : std::vector<prometheus::MetricFamily>{};
}

}  // namespace xdplb::control
