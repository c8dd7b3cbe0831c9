// dataplane_bench: what programming the data plane costs the agent, and what the maps cost the kernel.
//
//  1. Maglev: building one ring of 65537 slots over 1,000 backends (the full table with other sizes
//     is tools/bench/maglev_bench), beside filling the same ring round robin (the memory floor).
//  2. Programming: the first Dataplane::sync of 1,000 VIPs x 10 backends into fresh maps, then a sync
//     with one backend's weight changed, one with one backend replaced, and one with nothing changed.
//     A fake neighbour table answers at once, so the figure is the data plane's own work. Beside it:
//     the same 1,000 rings built in memory only, to show how much of a sync is Maglev and how much
//     is map creation and syscalls.
//  3. Memory: 100 VIPs x 100 backends with the conntrack map filled to its 1M entries through its fd;
//     the kernel's own figure per map (the memlock line of /proc/self/fdinfo, what `bpftool map show`
//     prints), before and after the fill, and the drop of MemAvailable as a cross-check.
//  4. Where a sync's time goes: swapping one ring into the ARRAY_OF_MAPS (one syscall, and the kernel
//     waits for an RCU grace period in each), the same swaps in one batch, and creating a ring map.
//
// Each data plane is pinned under a directory of its own and unpinned when it goes away, also on
// Ctrl-C (checked between steps) and on any error.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "common/unique_fd.h"
#include "dataplane/dataplane.h"
#include "stop_signals.h"
#include "dataplane/maglev.h"

namespace {

using xdplb::UniqueFd;
using xdplb::config::IpAddress;
using namespace xdplb::dataplane;
using Clock = std::chrono::steady_clock;

using xdplb::bench::stop_signal;
using xdplb::bench::StopSignals;
using xdplb::bench::throw_if_interrupted;

std::string errno_text() { return std::strerror(errno); }

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
  std::ranges::sort(values);
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

struct Figure {
  double median = 0, min = 0, max = 0;
};

Figure figure_of(const std::vector<double>& samples) {
  const auto [lo, hi] = std::ranges::minmax(samples);
  return Figure{median(samples), lo, hi};
}

// ---- The data plane under test ----------------------------------------------------------------------------

// Every backend resolves at once behind loopback: the sync figure is the data plane's own work.
class InstantNextHops : public NextHopResolver {
 public:
  void refresh() override {}
  std::optional<NextHop> resolve(const IpAddress& address) override {
    NextHop hop;
    hop.ifindex = 1;
    hop.mac = {0x02, 0, address.bytes[0], address.bytes[1], address.bytes[2], address.bytes[3]};
    hop.src_mac = {0x02, 0, 0, 0, 0, 0xaa};
    return hop;
  }
};

std::string unique_instance(const std::string& purpose) {
  static int sequence = 0;
  return "xdpbench-" + std::to_string(getpid()) + "-" + std::to_string(sequence++) + "-" + purpose;
}

std::unique_ptr<Dataplane> fresh_dataplane(const std::string& purpose) {
  DataplaneOptions options;
  options.instance = unique_instance(purpose);
  return std::make_unique<Dataplane>(options, std::make_unique<InstantNextHops>());
}

IpAddress ipv4(std::uint32_t host_order) {
  IpAddress a;
  a.bytes[0] = static_cast<std::uint8_t>(host_order >> 24);
  a.bytes[1] = static_cast<std::uint8_t>(host_order >> 16);
  a.bytes[2] = static_cast<std::uint8_t>(host_order >> 8);
  a.bytes[3] = static_cast<std::uint8_t>(host_order);
  return a;
}

// `vips` TCP VIPs on port 80 in 198.18.0.0/16, each with `backends` distinct real servers in
// 198.19.0.0/16, Maglev over the default ring.
std::vector<VipSpec> lab_vips(std::uint32_t vips, std::uint32_t backends) {
  constexpr std::uint32_t kVipBase = 198u << 24 | 18u << 16 | 1;
  constexpr std::uint32_t kBackendBase = 198u << 24 | 19u << 16 | 1;
  std::vector<VipSpec> specs(vips);
  for (std::uint32_t v = 0; v < vips; ++v) {
    specs[v].address = ipv4(kVipBase + v);
    specs[v].port = 80;
    for (std::uint32_t b = 0; b < backends; ++b) {
      BackendSpec backend;
      backend.address = ipv4(kBackendBase + v * backends + b);
      backend.port = 80;
      specs[v].backends.push_back(backend);
    }
  }
  return specs;
}

SyncReport checked_sync(Dataplane& dataplane, const std::vector<VipSpec>& specs) {
  const SyncReport report = dataplane.sync(specs);
  if (!report.refused.empty()) throw std::runtime_error("sync refused " + report.refused.front());
  if (!report.unresolved.empty()) throw std::runtime_error("sync left unresolved " + report.unresolved.front());
  return report;
}

// ---- 1. Maglev -------------------------------------------------------------------------------------------

std::uint64_t sink = 0;  // keeps the optimiser from discarding rings nobody reads

void measure_maglev(unsigned runs) {
  std::vector<MaglevBackend> backends;
  for (std::uint32_t i = 0; i < 1000; ++i)
    backends.push_back({"198.19." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) + ":80", i, 1});
  std::vector<double> build, baseline;
  for (unsigned r = 0; r < runs; ++r) {
    throw_if_interrupted();
    auto start = Clock::now();
    const auto ring = MaglevRing::build(backends, MaglevRing::kDefaultSize);
    build.push_back(ms_since(start));
    sink += ring[ring.size() / 2];
    start = Clock::now();
    std::vector<std::uint32_t> plain(MaglevRing::kDefaultSize);
    for (std::uint32_t slot = 0; slot < plain.size(); ++slot) plain[slot] = slot % 1000;
    baseline.push_back(ms_since(start));
    sink += plain[plain.size() / 2];
  }
  const Figure b = figure_of(build), base = figure_of(baseline);
  std::printf("== Maglev ring build, 1,000 backends, 65537 slots, %u runs\n", runs);
  std::printf("%-36s %10s %18s %12s %8s\n", "case", "median ms", "min..max ms", "target", "result");
  std::printf("%-36s %10.3f %8.3f..%-9.3f %12s %8s\n", "Maglev build", b.median, b.min, b.max, "< 10 ms",
              b.median < 10 ? "met" : "MISSED");
  std::printf("%-36s %10.3f %8.3f..%-9.3f %12s %8s\n", "baseline: same ring filled round robin", base.median,
              base.min, base.max, "-", "-");
  std::printf("Maglev build = %.1f x baseline\n\n", b.median / base.median);
}

// ---- 2. Programming ----------------------------------------------------------------------------------------

void measure_programming(unsigned rounds) {
  constexpr std::uint32_t kVips = 1000, kBackends = 10;
  const auto specs = lab_vips(kVips, kBackends);
  auto weight_changed = specs;
  weight_changed[kVips / 2].backends[3].weight = 3;
  auto backend_replaced = weight_changed;
  backend_replaced[kVips / 3].backends[7].address = ipv4(198u << 24 | 19u << 16 | 250u << 8 | 1);

  std::vector<double> first, weight, replace, noop, maglev_only;
  SyncReport first_report, weight_report, replace_report, noop_report;
  for (unsigned r = 0; r < rounds; ++r) {
    throw_if_interrupted();
    // The in-memory part alone: the 1,000 rings a first sync builds.
    auto start = Clock::now();
    for (const auto& vip : specs) {
      std::vector<MaglevBackend> in_ring;
      for (std::uint32_t i = 0; i < vip.backends.size(); ++i) in_ring.push_back({vip.backends[i].key(), i, 1});
      sink += MaglevRing::build(in_ring, vip.ring_size)[0];
    }
    maglev_only.push_back(ms_since(start));

    auto dataplane = fresh_dataplane("program");
    start = Clock::now();
    first_report = checked_sync(*dataplane, specs);
    first.push_back(ms_since(start));
    throw_if_interrupted();
    start = Clock::now();
    weight_report = checked_sync(*dataplane, weight_changed);
    weight.push_back(ms_since(start));
    start = Clock::now();
    replace_report = checked_sync(*dataplane, backend_replaced);
    replace.push_back(ms_since(start));
    start = Clock::now();
    noop_report = checked_sync(*dataplane, backend_replaced);
    noop.push_back(ms_since(start));
    if (noop_report.map_writes != 0)
      throw std::runtime_error("a sync without changes wrote " + std::to_string(noop_report.map_writes) + " map elements");
  }

  std::printf("== Map programming, %u VIPs x %u backends (fake neighbour table), median of %u fresh data planes\n", kVips,
              kBackends, rounds);
  std::printf("%-44s %10s %20s %11s %7s %9s %8s\n", "sync", "median ms", "min..max ms", "map writes", "rings",
              "target", "result");
  auto row = [](const char* name, const std::vector<double>& samples, const SyncReport& report, const char* target,
                const char* result) {
    const Figure f = figure_of(samples);
    std::printf("%-44s %10.2f %9.2f..%-10.2f %11zu %7zu %9s %8s\n", name, f.median, f.min, f.max, report.map_writes,
                report.rings_swapped, target, result);
  };
  const double first_ms = median(first);
  row("first sync into empty maps", first, first_report, "< 1000 ms", first_ms < 1000 ? "met" : "MISSED");
  row("one backend's weight changed", weight, weight_report, "-", "-");
  row("one backend replaced", replace, replace_report, "-", "-");
  row("nothing changed", noop, noop_report, "-", "-");
  const Figure m = figure_of(maglev_only);
  std::printf("%-44s %10.2f %9.2f..%-10.2f %11s %7s %9s %8s\n", "baseline: the 1,000 rings built in memory only",
              m.median, m.min, m.max, "-", "-", "-", "-");
  std::printf("first sync = %.2f x the in-memory ring builds (the rest: ring maps created, mmapped, swapped in;"
              " VIP and backend records written)\n\n",
              first_ms / m.median);
}

// ---- Where a sync's time goes: the two kernel operations it repeats per VIP ---------------------------------

UniqueFd ring_map(std::uint32_t slots) {
  LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_INNER_MAP | BPF_F_MMAPABLE);
  UniqueFd fd(bpf_map_create(BPF_MAP_TYPE_ARRAY, "xdpbench_ring", sizeof(__u32), sizeof(xdplb_ring_slots),
                             XDPLB_RING_ENTRIES(slots), &opts));
  if (!fd) throw std::runtime_error("create a ring map: " + errno_text());
  return fd;
}

// Swapping a ring in is one update of an ARRAY_OF_MAPS slot; the kernel makes every such update wait
// for an RCU grace period (so no program still sees the old ring when the syscall returns). Measured
// on maps of the bench's own, one update per syscall and all in one batch.
void measure_ring_swap_cost(unsigned swaps) {
  const UniqueFd template_ring = ring_map(MaglevRing::kDefaultSize);
  LIBBPF_OPTS(bpf_map_create_opts, outer_opts, .inner_map_fd = static_cast<__u32>(template_ring.get()));
  const UniqueFd outer(
      bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "xdpbench_rings", sizeof(__u32), sizeof(__u32), 2 * swaps, &outer_opts));
  if (!outer) throw std::runtime_error("create an array of maps: " + errno_text());

  std::vector<UniqueFd> rings;
  auto start = Clock::now();
  for (unsigned i = 0; i < 2 * swaps; ++i) rings.push_back(ring_map(MaglevRing::kDefaultSize));
  const double create_ms = ms_since(start) / (2 * swaps);

  std::vector<double> single;
  for (std::uint32_t slot = 0; slot < swaps; ++slot) {
    throw_if_interrupted();
    const int fd = rings[slot].get();
    start = Clock::now();
    if (bpf_map_update_elem(outer.get(), &slot, &fd, BPF_ANY) != 0) throw std::runtime_error("swap a ring: " + errno_text());
    single.push_back(ms_since(start));
  }
  std::vector<std::uint32_t> keys;
  std::vector<int> values;
  for (std::uint32_t slot = swaps; slot < 2 * swaps; ++slot) {
    keys.push_back(slot);
    values.push_back(rings[slot].get());
  }
  std::uint32_t count = swaps;
  LIBBPF_OPTS(bpf_map_batch_opts, batch_opts);
  start = Clock::now();
  if (bpf_map_update_batch(outer.get(), keys.data(), values.data(), &count, &batch_opts) != 0)
    throw std::runtime_error("swap rings in one batch: " + errno_text());
  const double batch_ms = ms_since(start);

  const Figure one = figure_of(single);
  std::printf("== Where a sync's time goes (maps of the bench's own, %u rings of 65537 slots)\n", swaps);
  std::printf("%-58s %10.3f ms (min %.3f, max %.3f)\n", "one ring swapped in (ARRAY_OF_MAPS update, one syscall)",
              one.median, one.min, one.max);
  std::printf("%-58s %10.3f ms for all %u = %.3f ms each\n", "rings swapped in with one bpf_map_update_batch", batch_ms,
              swaps, batch_ms / swaps);
  std::printf("%-58s %10.3f ms\n", "one empty ring map created (65537 slots, mmapable)", create_ms);
  std::printf("so swapping 1,000 rings one by one waits about %.0f ms; one batch waits one grace period whatever its size\n\n",
              one.median * 1000);
}

// ---- 3. Memory ---------------------------------------------------------------------------------------------

struct MapFacts {
  std::string name;
  std::string type;
  std::uint64_t max_entries = 0, key_size = 0, value_size = 0, memlock = 0;
};

// The kernel's own account of a map, from /proc/self/fdinfo/<fd>.
MapFacts facts_of(int fd, std::string name) {
  std::ifstream in("/proc/self/fdinfo/" + std::to_string(fd));
  if (!in) throw std::runtime_error("read /proc/self/fdinfo/" + std::to_string(fd));
  MapFacts f;
  f.name = std::move(name);
  bool has_memlock = false;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string field;
    std::uint64_t value = 0;
    fields >> field >> value;
    if (field == "map_type:") f.type = std::to_string(value);
    if (field == "max_entries:") f.max_entries = value;
    if (field == "key_size:") f.key_size = value;
    if (field == "value_size:") f.value_size = value;
    if (field == "memlock:") {
      f.memlock = value;
      has_memlock = true;
    }
  }
  if (!has_memlock) throw std::runtime_error("fd " + std::to_string(fd) + " is not a BPF map");
  bpf_map_info info{};
  std::uint32_t length = sizeof(info);
  if (bpf_obj_get_info_by_fd(fd, &info, &length) == 0) {
    const char* type = libbpf_bpf_map_type_str(static_cast<bpf_map_type>(info.type));
    if (type) f.type = type;
  }
  return f;
}

// Every map of the program, the ring maps summed into one row (they are created per VIP).
std::vector<MapFacts> map_facts(Dataplane& dataplane, std::uint32_t vips) {
  const MapFds m = dataplane.program().maps();
  std::vector<MapFacts> facts{
      facts_of(m.vips, "xdplb_vips"),           facts_of(m.rings, "xdplb_rings (outer)"),
      facts_of(m.backends, "xdplb_backends"),   facts_of(m.conntrack, "xdplb_conntrack"),
      facts_of(m.affinity, "xdplb_affinity"),   facts_of(m.rotation, "xdplb_rotation"),
      facts_of(m.tx_ports, "xdplb_tx_ports"),   facts_of(m.verdicts, "xdplb_verdicts"),
      facts_of(m.vip_stats, "xdplb_vip_stats"), facts_of(m.backend_stats, "xdplb_backend_stats"),
  };
  MapFacts rings;
  rings.name = "ring maps (inner)";
  std::uint32_t found = 0;
  for (std::uint32_t slot = 0; slot < XDPLB_MAX_VIPS; ++slot) {
    std::uint32_t inner_id = 0;
    if (bpf_map_lookup_elem(m.rings, &slot, &inner_id) != 0) continue;
    const UniqueFd inner(bpf_map_get_fd_by_id(inner_id));
    if (!inner) throw std::runtime_error("open ring map id " + std::to_string(inner_id) + ": " + errno_text());
    const MapFacts one = facts_of(inner.get(), "ring");
    rings.type = one.type;
    rings.key_size = one.key_size;
    rings.value_size = one.value_size;
    rings.max_entries += one.max_entries;
    rings.memlock += one.memlock;
    ++found;
  }
  if (found != vips)
    throw std::runtime_error("found " + std::to_string(found) + " ring maps, expected " + std::to_string(vips));
  rings.type += " x" + std::to_string(found);
  facts.push_back(rings);
  return facts;
}

std::uint64_t meminfo_kib(const char* field) {
  std::ifstream in("/proc/meminfo");
  std::string name;
  std::uint64_t value = 0;
  std::string unit;
  while (in >> name >> value) {
    std::getline(in, unit);
    if (name == std::string(field) + ":") return value;
  }
  throw std::runtime_error(std::string("/proc/meminfo has no ") + field);
}

std::uint64_t count_entries(int map_fd, std::size_t key_size) {
  std::vector<unsigned char> key(key_size), next(key_size);
  std::uint64_t count = 0;
  const void* previous = nullptr;
  while (bpf_map_get_next_key(map_fd, previous, next.data()) == 0) {
    key.swap(next);
    previous = key.data();
    if ((++count & 0xffff) == 0) throw_if_interrupted();
  }
  return count;
}

// Fills the conntrack map through its fd with flows of the served VIPs, each pinned to one of the
// VIP's backends (with that backend's generation), as the program would have recorded them.
std::uint64_t fill_conntrack(Dataplane& dataplane, std::uint32_t entries) {
  const MapFds m = dataplane.program().maps();
  struct Target {
    xdplb_flow flow_template;
    std::vector<xdplb_ct_entry> backends;
  };
  std::vector<Target> targets;
  for (const auto& vip : dataplane.status()) {
    Target t{};
    const auto address = IpAddress::parse(vip.key.substr(4, vip.key.rfind(':') - 4));
    if (!address) throw std::runtime_error("cannot read the VIP address of " + vip.key);
    std::memcpy(t.flow_template.dst, address->bytes.data(), 4);
    t.flow_template.dport = htons(80);
    t.flow_template.proto = IPPROTO_TCP;
    t.flow_template.family = XDPLB_FAMILY_V4;
    for (const auto& b : vip.backends) {
      xdplb_backend record{};
      if (bpf_map_lookup_elem(m.backends, &b.id, &record) != 0)
        throw std::runtime_error("read backend " + to_string(b.key));
      t.backends.push_back({b.id, record.generation, conntrack_clock_ms(), 0});
    }
    targets.push_back(std::move(t));
  }
  constexpr std::uint32_t kChunk = 65536;
  std::vector<xdplb_flow> keys(kChunk);
  std::vector<xdplb_ct_entry> values(kChunk);
  for (std::uint32_t done = 0; done < entries;) {
    throw_if_interrupted();
    const std::uint32_t count = std::min(kChunk, entries - done);
    for (std::uint32_t i = 0; i < count; ++i) {
      const std::uint32_t n = done + i;
      const Target& t = targets[n % targets.size()];
      xdplb_flow key = t.flow_template;
      // Clients 198.20.0.0/14 style addresses from the flow number; 64,000 ports each.
      const std::uint32_t client = (198u << 24 | 20u << 16) + n / 64000;
      const std::uint32_t client_wire = htonl(client);
      std::memcpy(key.src, &client_wire, 4);
      key.sport = htons(static_cast<std::uint16_t>(1024 + n % 64000));
      keys[i] = key;
      values[i] = t.backends[n % t.backends.size()];
    }
    std::uint32_t written = count;
    LIBBPF_OPTS(bpf_map_batch_opts, opts);
    if (bpf_map_update_batch(m.conntrack, keys.data(), values.data(), &written, &opts) != 0)
      throw std::runtime_error("conntrack batch update: " + errno_text());
    done += count;
  }
  return count_entries(m.conntrack, sizeof(xdplb_flow));
}

void print_memory(const std::vector<MapFacts>& before, const std::vector<MapFacts>& after) {
  std::uint64_t total_before = 0, total_after = 0;
  for (const auto& f : before) total_before += f.memlock;
  for (const auto& f : after) total_after += f.memlock;
  std::printf("%-22s %-24s %10s %5s %6s %12s %12s %7s %12s\n", "map", "type", "entries", "key", "value",
              "MiB (empty)", "MiB (full)", "share", "B/entry");
  for (std::size_t i = 0; i < after.size(); ++i) {
    const auto& f = after[i];
    std::printf("%-22s %-24s %10llu %5llu %6llu %12.2f %12.2f %6.1f%% %12.1f\n", f.name.c_str(), f.type.c_str(),
                static_cast<unsigned long long>(f.max_entries), static_cast<unsigned long long>(f.key_size),
                static_cast<unsigned long long>(f.value_size), static_cast<double>(before[i].memlock) / (1 << 20),
                static_cast<double>(f.memlock) / (1 << 20), 100.0 * static_cast<double>(f.memlock) / static_cast<double>(total_after),
                f.max_entries ? static_cast<double>(f.memlock) / static_cast<double>(f.max_entries) : 0.0);
  }
  std::printf("%-22s %-24s %10s %5s %6s %12.2f %12.2f %7s %12s\n", "total", "", "", "", "",
              static_cast<double>(total_before) / (1 << 20), static_cast<double>(total_after) / (1 << 20), "", "");
  std::printf("total after the fill: %.1f MiB = %.1f MB (target < 200 MB: %s)\n",
              static_cast<double>(total_after) / (1 << 20), static_cast<double>(total_after) / 1e6,
              static_cast<double>(total_after) < 200e6 ? "met" : "MISSED");
}

void measure_memory() {
  constexpr std::uint32_t kVips = 100, kBackends = 100;
  std::printf("== Kernel memory of the maps, %u VIPs x %u backends, conntrack %u entries, %d possible CPUs\n", kVips,
              kBackends, XDPLB_DEFAULT_CONNTRACK, libbpf_num_possible_cpus());
  const std::uint64_t available_before = meminfo_kib("MemAvailable");
  auto dataplane = fresh_dataplane("memory");
  checked_sync(*dataplane, lab_vips(kVips, kBackends));
  const auto empty = map_facts(*dataplane, kVips);
  const auto start = Clock::now();
  const std::uint64_t tracked = fill_conntrack(*dataplane, XDPLB_DEFAULT_CONNTRACK);
  const double fill_ms = ms_since(start);
  const auto full = map_facts(*dataplane, kVips);
  const std::uint64_t available_after = meminfo_kib("MemAvailable");
  print_memory(empty, full);
  std::printf("conntrack: %llu flows written in %.0f ms, %llu tracked afterwards\n",
              static_cast<unsigned long long>(XDPLB_DEFAULT_CONNTRACK), fill_ms, static_cast<unsigned long long>(tracked));
  // What the operator's views cost at that size: conns and drain walk the table on the agent's loop,
  // list adds a count per backend (the same walk).
  const auto walk_start = Clock::now();
  std::uint64_t owned = 0;
  const std::uint64_t walked = dataplane->for_each_flow([&](const xdplb::dataplane::FlowEntry&, const auto* owner) {
    owned += owner != nullptr;
  });
  const double walk_ms = ms_since(walk_start);
  const auto count_start = Clock::now();
  const auto per_backend = dataplane->flows_per_backend();
  const double count_ms = ms_since(count_start);
  std::printf("conntrack walk: %llu entries decoded in %.0f ms (%llu with a current backend); "
              "flows per backend (%zu backends) in %.0f ms\n",
              static_cast<unsigned long long>(walked), walk_ms, static_cast<unsigned long long>(owned),
              per_backend.size(), count_ms);
  std::printf("cross-check: MemAvailable fell by %.1f MiB while the data plane was loaded, programmed and filled\n"
              "             (includes this process's own buffers and any page-cache movement: a rough check only)\n\n",
              static_cast<double>(available_before) / 1024 - static_cast<double>(available_after) / 1024);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Data plane control costs: Maglev build, map programming time, kernel memory of the maps"};
  unsigned maglev_runs = 15, rounds = 5, swaps = 100;
  bool verbose = false;
  app.add_option("--maglev-runs", maglev_runs, "Maglev builds (median reported)")->check(CLI::Range(1U, 1000U));
  app.add_option("--rounds", rounds, "fresh data planes for the programming figures")->check(CLI::Range(1U, 51U));
  app.add_option("--swaps", swaps, "ring swaps timed one by one and in one batch")->check(CLI::Range(10U, 1000U));
  app.add_flag("-v,--verbose", verbose, "log the data plane's info messages");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(verbose ? spdlog::level::info : spdlog::level::warn);

  try {
    const StopSignals stop_signals;
    measure_maglev(maglev_runs);
    // Memory first: the kernel frees the maps of earlier data planes lazily, which would blur the
    // MemAvailable cross-check.
    measure_memory();
    measure_programming(rounds);
    measure_ring_swap_cost(swaps);
  } catch (const std::exception& e) {
    // Every data plane was destroyed while unwinding: their pin directories are gone.
    std::fprintf(stderr, "dataplane_bench: %s\n", e.what());
    return stop_signal != 0 ? 128 + stop_signal : 1;
  }
  return sink == 0 ? 1 : 0;
}
