#include "support/xdp_test_run.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace xdplb::test {

XdpRunResult run_xdp(int prog_fd, std::span<const uint8_t> packet, uint32_t repeat, uint32_t ingress_ifindex) {
  // Room for encapsulation: the program may grow the frame with bpf_xdp_adjust_head.
  std::vector<uint8_t> out(packet.size() + 256);
  bpf_test_run_opts opts{};
  opts.sz = sizeof(opts);
  opts.data_in = packet.data();
  opts.data_size_in = static_cast<uint32_t>(packet.size());
  opts.data_out = out.data();
  opts.data_size_out = static_cast<uint32_t>(out.size());
  opts.repeat = repeat;
  xdp_md ctx{};
  if (ingress_ifindex != 0) {
    ctx.data_end = static_cast<uint32_t>(packet.size());
    ctx.ingress_ifindex = ingress_ifindex;
    opts.ctx_in = &ctx;
    opts.ctx_size_in = sizeof(ctx);
  }
  if (bpf_prog_test_run_opts(prog_fd, &opts) != 0)
    throw std::runtime_error(std::string("BPF_PROG_TEST_RUN: ") + std::strerror(errno));
  out.resize(opts.data_size_out);
  return XdpRunResult{opts.retval, std::move(out), opts.duration};
}

const char* verdict_name(uint32_t verdict) {
  switch (verdict) {
    case XDP_ABORTED: return "XDP_ABORTED";
    case XDP_DROP: return "XDP_DROP";
    case XDP_PASS: return "XDP_PASS";
    case XDP_TX: return "XDP_TX";
    case XDP_REDIRECT: return "XDP_REDIRECT";
    default: return "XDP_?";
  }
}

}  // namespace xdplb::test
