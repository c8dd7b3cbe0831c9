#include "dataplane/flow_table.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include <bpf/bpf.h>

#include "dataplane/live_maps.h"

namespace xdplb::dataplane {

std::uint32_t conntrack_clock_ms() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
  const auto ms = static_cast<std::uint64_t>(now.tv_sec) * 1000 + static_cast<std::uint64_t>(now.tv_nsec) / 1000000;
  return static_cast<std::uint32_t>(ms);
}

namespace {
// How far past the walk's clock an entry touched meanwhile may be (a full walk takes about 0.4 s).
constexpr std::uint32_t kWalkAheadToleranceMs = 60'000;
}  // namespace

FlowEntry decode_flow(const xdplb_flow& key, const xdplb_ct_entry& value, std::uint32_t now_ms) {
  FlowEntry e;
  e.protocol = key.proto;
  e.client = address_from(key.src, key.family);
  e.client_port = ntohs(key.sport);
  e.destination = address_from(key.dst, key.family);
  e.destination_port = ntohs(key.dport);
  e.backend_id = value.backend_id;
  e.generation = value.generation;
  // Modulo 2^32 (abi.h). An entry touched after `now_ms` was read (another CPU, during the walk)
  // is up to a walk's length "ahead" and would come out as 49 days: it is idle for no time at all.
  const std::uint32_t behind = now_ms - value.last_seen;
  e.idle = std::chrono::milliseconds(behind > 0xFFFFFFFFu - kWalkAheadToleranceMs ? 0 : behind);
  return e;
}

ConntrackWalk::ConntrackWalk(int map_fd)
    : fd_(::fcntl(map_fd, F_DUPFD_CLOEXEC, 0)), keys_(kBatch), values_(kBatch), now_ms_(conntrack_clock_ms()) {
  if (fd_.get() < 0) throw std::runtime_error(std::string("conntrack walk: cannot duplicate the map's descriptor: ") +
                                              std::strerror(errno));
}

bool ConntrackWalk::step(const std::function<void(const FlowEntry&)>& visit) {
  if (done_) return false;
  std::uint32_t count = kBatch;
  xdplb_flow next{};
  const int err = bpf_map_lookup_batch(fd_.get(), started_ ? &cursor_ : nullptr, &next, keys_.data(), values_.data(),
                                       &count, nullptr);
  const int error = err ? errno : 0;
  // ENOENT: the last batch, complete. Any other error ends the walk early, with nothing valid in
  // the buffers; it is kept for the caller to say the answer is partial.
  if (err && error != ENOENT) {
    error_ = std::string("conntrack walk stopped after ") + std::to_string(visited_) +
             " entries: " + std::strerror(error);
    count = 0;
  }
  for (std::uint32_t i = 0; i < count; ++i) visit(decode_flow(keys_[i], values_[i], now_ms_));
  visited_ += count;
  cursor_ = next;
  started_ = true;
  done_ = err != 0;
  return !done_;
}


}  // namespace xdplb::dataplane
