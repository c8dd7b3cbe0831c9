#include "dataplane/flow_table.h"

#include <arpa/inet.h>
#include <time.h>

#include <vector>

#include <bpf/bpf.h>

#include "dataplane/live_maps.h"

namespace xdplb::dataplane {

std::uint32_t conntrack_clock_ms() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
  const auto ms = static_cast<std::uint64_t>(now.tv_sec) * 1000 + static_cast<std::uint64_t>(now.tv_nsec) / 1000000;
  return static_cast<std::uint32_t>(ms);
}

FlowEntry decode_flow(const xdplb_flow& key, const xdplb_ct_entry& value, std::uint32_t now_ms) {
  FlowEntry e;
  e.protocol = key.proto;
  e.client = address_from(key.src, key.family);
  e.client_port = ntohs(key.sport);
  e.destination = address_from(key.dst, key.family);
  e.destination_port = ntohs(key.dport);
  e.backend_id = value.backend_id;
  e.generation = value.generation;
  // Modulo 2^32 (abi.h). An entry touched after `now_ms` was read (another CPU, this very moment)
  // would come out as 49 days: it is idle for no time at all.
  const std::uint32_t behind = now_ms - value.last_seen;
  e.idle = std::chrono::milliseconds(behind > 0x80000000u ? 0 : behind);
  return e;
}

std::uint64_t walk_conntrack(int fd, const std::function<void(const FlowEntry&)>& visit) {
  constexpr std::uint32_t kBatch = 4096;
  std::vector<xdplb_flow> keys(kBatch);
  std::vector<xdplb_ct_entry> values(kBatch);
  xdplb_flow out_batch{};
  void* in_batch = nullptr;
  std::uint64_t visited = 0;
  const std::uint32_t now = conntrack_clock_ms();
  for (;;) {
    std::uint32_t count = kBatch;
    const int err = bpf_map_lookup_batch(fd, in_batch, &out_batch, keys.data(), values.data(), &count, nullptr);
    for (std::uint32_t i = 0; i < count; ++i) visit(decode_flow(keys[i], values[i], now));
    visited += count;
    if (err) break;  // ENOENT: the walk is complete (other errors end it early: best effort)
    in_batch = &out_batch;
  }
  return visited;
}

}  // namespace xdplb::dataplane
