// conntrack_count_bench: what counting the entries of the conntrack table costs, for the metrics'
// xdplb_conntrack_entries. A map of the conntrack's type (LRU hash, BPF_F_NO_COMMON_LRU, the abi.h
// key and value) is filled to a share of its size from every CPU in turn (each CPU owns its share
// of the LRU), then counted three ways, each repeated and reported as the median:
//   1. the kernel's element count through the bpf_map iterator (dataplane::MapElementCount);
//   2. bpf_map_lookup_batch over the whole map (keys and values come back: the batch call has no
//      keys-only form);
//   3. bpf_map_get_next_key, one syscall per entry.
// The map is created anonymously (never pinned) and goes with the process.
#include <bpf/bpf.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <xdplb/abi.h>

#include "common/unique_fd.h"
#include "dataplane/map_elem_count.h"

namespace {

using Clock = std::chrono::steady_clock;

double median_ms(int runs, const std::function<std::uint64_t()>& count, std::uint64_t& result) {
  std::vector<double> times;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    result = count();
    times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

void run_on_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof(set), &set) != 0) throw std::runtime_error("sched_setaffinity");
}

// Fills `per_cpu` flows from each online CPU: an LRU with BPF_F_NO_COMMON_LRU gives each CPU its
// own free list, so filling from one CPU alone would only recycle that CPU's share.
void fill(int fd, std::uint32_t per_cpu, int cpus) {
  std::vector<xdplb_flow> keys(per_cpu);
  std::vector<xdplb_ct_entry> values(per_cpu);
  std::uint32_t n = 0;
  for (int cpu = 0; cpu < cpus; ++cpu) {
    run_on_cpu(cpu);
    for (auto& k : keys) {
      k = xdplb_flow{};
      k.family = XDPLB_FAMILY_V4;
      k.proto = 6;
      std::uint32_t client = 0xc6140000u + n / 60000;
      __builtin_memcpy(k.src, &client, 4);
      k.sport = static_cast<std::uint16_t>(1024 + n % 60000);
      ++n;
    }
    std::uint32_t count = per_cpu;
    if (bpf_map_update_batch(fd, keys.data(), values.data(), &count, nullptr) != 0 || count != per_cpu)
      throw std::runtime_error("bpf_map_update_batch: " + std::to_string(count) + " of " + std::to_string(per_cpu));
  }
}

std::uint64_t count_batch(int fd) {
  constexpr std::uint32_t kBatch = 4096;
  std::vector<xdplb_flow> keys(kBatch);
  std::vector<xdplb_ct_entry> values(kBatch);
  xdplb_flow out{};
  void* in = nullptr;
  std::uint64_t total = 0;
  for (;;) {
    std::uint32_t count = kBatch;
    const int err = bpf_map_lookup_batch(fd, in, &out, keys.data(), values.data(), &count, nullptr);
    total += count;
    if (err) break;
    in = &out;
  }
  return total;
}

std::uint64_t count_keys(int fd) {
  xdplb_flow key{}, next{};
  const void* previous = nullptr;
  std::uint64_t total = 0;
  while (bpf_map_get_next_key(fd, previous, &next) == 0) {
    key = next;
    previous = &key;
    ++total;
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Cost of counting the conntrack table's entries (see BENCHMARKS.md, Metrics)"};
  std::uint32_t size = XDPLB_DEFAULT_CONNTRACK;
  double share = 1.0;
  int runs = 5;
  app.add_option("--size", size, "max_entries of the table");
  app.add_option("--fill", share, "share of the table to fill (0..1)");
  app.add_option("--runs", runs, "repetitions of each count (median)");
  CLI11_PARSE(app, argc, argv);

  const int cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_COMMON_LRU);
  const xdplb::UniqueFd map(bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "xdplb_ct_bench", sizeof(xdplb_flow),
                                           sizeof(xdplb_ct_entry), size, &opts));
  if (!map) throw std::runtime_error("bpf_map_create");
  const auto per_cpu = static_cast<std::uint32_t>(size * share / cpus * 0.98);  // below each CPU's share
  fill(map.get(), per_cpu, cpus);

  const xdplb::dataplane::MapElementCount counter(map.get());
  std::printf("table: LRU hash, BPF_F_NO_COMMON_LRU, %u entries, %d CPUs, filled with %u flows\n", size, cpus,
              per_cpu * cpus);
  std::printf("%-52s %12s %12s\n", "method", "median ms", "counted");
  std::uint64_t counted = 0;
  if (counter.available()) {
    const double ms = median_ms(runs, [&] { return counter.count().value_or(0); }, counted);
    std::printf("%-52s %12.3f %12llu\n", "kernel element count (bpf_map iterator)", ms,
                static_cast<unsigned long long>(counted));
  } else {
    std::printf("%-52s %12s (%s)\n", "kernel element count (bpf_map iterator)", "n/a",
                counter.unavailable_reason().c_str());
  }
  double ms = median_ms(runs, [&] { return count_batch(map.get()); }, counted);
  std::printf("%-52s %12.3f %12llu\n", "bpf_map_lookup_batch, 4096 a call", ms, static_cast<unsigned long long>(counted));
  ms = median_ms(std::min(runs, 3), [&] { return count_keys(map.get()); }, counted);
  std::printf("%-52s %12.3f %12llu\n", "bpf_map_get_next_key, one call an entry", ms,
              static_cast<unsigned long long>(counted));
  return 0;
}
