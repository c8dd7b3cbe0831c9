// Maglev ring build time: the cost the agent pays each time a VIP's healthy set or weights change.
//
// Prints, per case, the median and fastest of several builds, and the ratio to a baseline measured
// in the same run: writing the same number of slots round robin into a fresh ring (the memory
// cost any ring builder pays), so figures from different machines can be compared.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "dataplane/maglev.h"

namespace {

using xdplb::dataplane::MaglevBackend;
using xdplb::dataplane::MaglevRing;
using Clock = std::chrono::steady_clock;

struct Case {
  const char* label;
  std::uint32_t backends;
  std::uint32_t ring_size;
  bool weighted;
};

struct Timing {
  double median_ms;
  double fastest_ms;
};

std::vector<MaglevBackend> make_backends(std::uint32_t count, bool weighted) {
  std::vector<MaglevBackend> backends;
  backends.reserve(count);
  for (std::uint32_t index = 0; index < count; ++index) {
    backends.push_back(MaglevBackend{
        .key = "198.18." + std::to_string(index / 250) + "." + std::to_string(index % 250 + 1) + ":80",
        .id = index,
        // Weights 1..10 like a pool of mixed server generations.
        .weight = weighted ? 1 + index % 10 : 1,
    });
  }
  return backends;
}

template <typename Build>
Timing time_runs(unsigned runs, Build&& build) {
  std::vector<double> samples;
  samples.reserve(runs);
  for (unsigned run = 0; run < runs; ++run) {
    const auto start = Clock::now();
    build();
    samples.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  std::ranges::sort(samples);
  return Timing{.median_ms = samples[samples.size() / 2], .fastest_ms = samples.front()};
}

// Keeps the optimiser from discarding a ring nobody reads.
std::uint64_t sink = 0;

void consume(const std::vector<std::uint32_t>& ring) {
  sink += ring[ring.size() / 2] + ring.size();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Maglev ring build time (median of several builds per case)"};
  unsigned runs = 15;
  app.add_option("--runs", runs, "builds per case")->check(CLI::Range(1U, 10000U));
  CLI11_PARSE(app, argc, argv);

  const Case cases[] = {
      {"equal weights", 10, MaglevRing::kDefaultSize, false},
      {"equal weights", 100, MaglevRing::kDefaultSize, false},
      {"equal weights", 1000, MaglevRing::kDefaultSize, false},
      {"weights 1..10", 1000, MaglevRing::kDefaultSize, true},
      {"equal weights", 1000, 131071, false},
      {"equal weights", 1000, MaglevRing::kMaxSize, false},
      {"weights 1..10", 1000, MaglevRing::kMaxSize, true},
  };

  std::printf("Maglev ring build, %u runs per case (target: 1000 backends at 65537 under 10 ms)\n", runs);
  std::printf("%-14s %9s %10s %12s %12s %15s %12s\n", "case", "backends", "ring size", "median ms",
              "fastest ms", "baseline ms", "x baseline");
  for (const Case& bench_case : cases) {
    const auto backends = make_backends(bench_case.backends, bench_case.weighted);
    const Timing build = time_runs(runs, [&] { consume(MaglevRing::build(backends, bench_case.ring_size)); });
    const Timing baseline = time_runs(runs, [&] {
      std::vector<std::uint32_t> ring(bench_case.ring_size);
      for (std::uint32_t slot = 0; slot < ring.size(); ++slot) ring[slot] = slot % bench_case.backends;
      consume(ring);
    });
    std::printf("%-14s %9u %10u %12.3f %12.3f %15.3f %12.1f\n", bench_case.label, bench_case.backends,
                bench_case.ring_size, build.median_ms, build.fastest_ms, baseline.median_ms,
                build.median_ms / baseline.median_ms);
  }
  return sink == 0 ? 1 : 0;
}
