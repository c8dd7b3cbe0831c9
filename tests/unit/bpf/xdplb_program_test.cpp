// The product's XDP program (bpf/xdplb.bpf.c): verdicts and the per-reason counters.
#include <bpf/bpf.h>

#include <memory>

#include <doctest/doctest.h>

#include "dataplane/xdp_program.h"
#include "support/packet_builder.h"
#include "support/xdp_test_run.h"
#include "xdplb_bpf.skel.h"

namespace {

struct SkelDeleter {
  void operator()(::xdplb_bpf* p) const { xdplb_bpf__destroy(p); }
};

class Program {
 public:
  Program() : skel_(xdplb_bpf__open_and_load()) { REQUIRE_MESSAGE(skel_, "loading xdplb.bpf.o failed"); }

  xdplb::test::XdpRunResult run(const std::vector<uint8_t>& frame) {
    return xdplb::test::run_xdp(bpf_program__fd(skel_->progs.xdplb_main), frame);
  }

  xdplb_counter verdict(xdplb_reason reason) {
    return xdplb::dataplane::read_percpu_counter(bpf_map__fd(skel_->maps.xdplb_verdicts), reason);
  }

 private:
  std::unique_ptr<::xdplb_bpf, SkelDeleter> skel_;
};

}  // namespace

TEST_CASE("non-VIP traffic passes untouched and is counted by reason") {
  Program prog;
  const auto arp = xdplb::test::build_arp_request({2, 0, 0, 0, 0, 9}, "198.18.0.1", "198.18.0.2");
  const auto tcp = xdplb::test::build_frame({});
  xdplb::test::FrameSpec vrrp;
  vrrp.proto = 112;
  vrrp.dst_ip = "224.0.0.18";
  vrrp.ttl = 255;
  vrrp.payload = {0x21, 51, 100, 1, 1, 1, 0, 0};
  const auto vrrp_frame = xdplb::test::build_frame(vrrp);

  for (const auto* frame : {&arp, &tcp, &vrrp_frame}) {
    const auto out = prog.run(*frame);
    CHECK(out.verdict == XDP_PASS);
    CHECK(out.packet == *frame);
  }
  CHECK(prog.verdict(XDPLB_R_PASS_NON_IP).packets == 1);
  CHECK(prog.verdict(XDPLB_R_PASS_NON_IP).bytes == arp.size());
  CHECK(prog.verdict(XDPLB_R_PASS_NOT_VIP).packets == 2);
  CHECK(prog.verdict(XDPLB_R_PASS_NOT_VIP).bytes == tcp.size() + vrrp_frame.size());
}

TEST_CASE("truncated, malformed and fragment packets pass and are counted apart") {
  Program prog;
  const auto frame = xdplb::test::build_frame({});
  const std::vector<uint8_t> truncated(frame.begin(), frame.begin() + 30);
  const auto malformed = [&] {
    auto f = frame;
    f[14] = 0x43;  // IHL 3
    return f;
  }();
  xdplb::test::FrameSpec frag;
  frag.ipv4_frag = 0x0020;
  const auto fragment = xdplb::test::build_frame(frag);

  for (const auto* f : {&truncated, &malformed, &fragment}) CHECK(prog.run(*f).verdict == XDP_PASS);
  CHECK(prog.verdict(XDPLB_R_PASS_TRUNCATED).packets == 1);
  CHECK(prog.verdict(XDPLB_R_PASS_MALFORMED).packets == 1);
  CHECK(prog.verdict(XDPLB_R_PASS_FRAGMENT).packets == 1);
  CHECK(prog.verdict(XDPLB_R_PASS_NOT_VIP).packets == 0);
}
