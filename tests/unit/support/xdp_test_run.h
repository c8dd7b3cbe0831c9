// Runs one packet through a loaded XDP program with BPF_PROG_TEST_RUN: packet in, verdict and
// bytes out. The kernel gives the program real headroom, so encapsulation can be tested too.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace xdplb::test {

struct XdpRunResult {
  uint32_t verdict = 0;            // XDP_PASS, XDP_TX, XDP_DROP, XDP_REDIRECT, XDP_ABORTED
  std::vector<uint8_t> packet;     // the frame as the program left it
  uint32_t duration_ns = 0;        // kernel-measured average per run
};

// Runs `packet` through the XDP program `prog_fd` `repeat` times (the kernel re-runs on the same
// buffer, so repeat > 1 only makes sense for programs that do not rewrite it).
// Throws std::runtime_error when the kernel refuses the run.
// `ingress_ifindex` 0 leaves the kernel's default (loopback of the caller's namespace).
XdpRunResult run_xdp(int prog_fd, std::span<const uint8_t> packet, uint32_t repeat = 1, uint32_t ingress_ifindex = 0);

const char* verdict_name(uint32_t verdict);

}  // namespace xdplb::test
