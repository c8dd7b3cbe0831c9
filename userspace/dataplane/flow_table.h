// The conntrack table read back: every entry decoded (5-tuple, backend id and generation, idle time)
// by a batched walk. For operators (xdplbctl conns, the flow counts of list), never for hot paths: a
// walk over a million entries costs on the order of a hundred milliseconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <xdplb/abi.h>

#include "common/unique_fd.h"
#include "config/address.h"

namespace xdplb::dataplane {

// How long after its last packet a flow still counts as active (list's and stats' "flows",
// conns' state). A flow's entry stays in the table past that, until the LRU reuses it.
inline constexpr std::chrono::seconds kActiveFlowWindow{60};

// The data plane's conntrack clock now (abi.h: coarse monotonic milliseconds, modulo 2^32).
std::uint32_t conntrack_clock_ms();

struct FlowEntry {
  std::uint8_t protocol = 0;  // IPPROTO_TCP, IPPROTO_UDP
  config::IpAddress client;
  std::uint16_t client_port = 0;  // host order
  config::IpAddress destination;  // the VIP address the client sent to
  std::uint16_t destination_port = 0;
  std::uint32_t backend_id = 0;
  std::uint32_t generation = 0;  // of the backend id when the flow was pinned to it
  // Since the flow's last packet, give or take XDPLB_CT_TOUCH_MS.
  std::chrono::milliseconds idle{0};
};

inline bool seen_within_active_window(const FlowEntry& flow) { return flow.idle < kActiveFlowWindow; }

FlowEntry decode_flow(const xdplb_flow& key, const xdplb_ct_entry& value, std::uint32_t now_ms);

// A walk over the conntrack map in batches, so that a caller on an event loop can let other work run
// between them (entries added or evicted during the walk may or may not be seen). It holds its own
// descriptor of the map: it may outlive the data plane that started it.
class ConntrackWalk {
 public:
  static constexpr std::uint32_t kBatch = 4096;  // entries per step: about 1.5 ms of decoding
  explicit ConntrackWalk(int map_fd);
  // Visits the next batch; false once the walk is complete (it then visits nothing more).
  bool step(const std::function<void(const FlowEntry&)>& visit);
  std::uint64_t visited() const { return visited_; }
  // Why the walk ended before the table did (a failed batch read); unset when it went through.
  const std::optional<std::string>& error() const { return error_; }

 private:
  UniqueFd fd_;
  std::vector<xdplb_flow> keys_;
  std::vector<xdplb_ct_entry> values_;
  xdplb_flow cursor_{};
  bool started_ = false;
  bool done_ = false;
  std::uint32_t now_ms_;  // idle times are taken against the walk's start
  std::uint64_t visited_ = 0;
  std::optional<std::string> error_;
};


}  // namespace xdplb::dataplane
