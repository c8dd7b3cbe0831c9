// Tables of frames for the XDP program, after the idea of Katran's tester: a row is a description,
// the lab it needs, frames in, the verdict and the frame expected out, and the counters that must
// move; a runner puts every frame through BPF_PROG_TEST_RUN and names the row when one fails.
//
// Rows come in stories: the rows of one story run in order on one fresh data plane, so a row can
// build on what the rows before it did (flows recorded in conntrack, a backend removed by a named
// setup, an agent restart). A new kind of forwarding (NAT, TUN) adds rows with its own FrameOut.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lb_fixture.h"

namespace xdplb::test {

using Frame = std::vector<uint8_t>;
using Frames = std::vector<Frame>;

// The backend (1-based lab number, 0 for none) each frame of a row went to, by destination MAC.
using Choices = std::vector<int>;
// Choices of earlier rows of the story, by the name they were remembered under.
using Remembered = std::map<std::string, Choices>;

// The lab of one story: its data plane and what its rows remembered. Every backend 1..kLabBackends
// (IPv4 and IPv6) resolves behind ifindex 1 (loopback, the ingress of a test run) unless a setup
// says otherwise. Its pins are removed when the story ends, whatever happened.
class Lab {
 public:
  static constexpr int kLabBackends = 8;

  Lab();
  ~Lab();
  Lab(const Lab&) = delete;
  Lab& operator=(const Lab&) = delete;

  LbFixture& lb() { return *lb_; }
  // Stops the data plane keeping its pins and starts a new one on them, as an agent restart does.
  void restart_keeping_pins();
  Remembered& remembered() { return remembered_; }

 private:
  void start();

  std::string instance_;
  std::unique_ptr<LbFixture> lb_;
  Remembered remembered_;
};

// A named change to the lab that a row needs, applied before the row's frames.
struct Setup {
  std::string name;  // empty: none, the lab stays as the rows before left it
  std::function<void(Lab&)> apply;
};

// Setup: the data plane serves exactly `vips` (a sync).
Setup serve(std::string name, std::vector<dataplane::VipSpec> vips);

// The frame expected out of one frame in, given the backend it went to (0: none); nullopt when the
// frame out is not checked.
struct FrameOut {
  std::string what;
  std::function<std::optional<Frame>(const Frame& in, int backend)> expected;
};

FrameOut untouched();                  // the frame in, byte for byte
FrameOut unchecked();                  // not looked at (dropped frames)
FrameOut dr_rewrite(int backend = 0);  // DR: destination MAC the backend's (0: the one it went to),
                                       // source MAC the interface's, not one byte more changed
FrameOut exactly(Frame frame);         // these bytes

// A property of the backends a row's frames went to. `problem` returns what is wrong, or "".
struct BackendCheck {
  std::string what;  // empty: nothing checked
  std::function<std::string(const Choices& now, const Remembered& earlier)> problem;
};

BackendCheck spread_evenly(int backends, int at_least, int at_most);  // each of 1..n, within the bounds
BackendCheck as_remembered(const std::string& name);  // frame i where frame i of `name` went
// As `name`, except the frames that went to `moved_from`: those now go to one of `moved_to`.
BackendCheck as_remembered_but(const std::string& name, int moved_from, std::vector<int> moved_to);
BackendCheck only_backend(int backend);
BackendCheck never_backend(int backend);
BackendCheck includes_backend(int backend);
BackendCheck several_backends();
BackendCheck share_ratio(int backend, int other, double above, double below);  // frames(b) / frames(other)
// Consecutive groups of `group` frames each go to one backend; `groups_differ`: not all to the same.
BackendCheck one_backend_per_group(std::size_t group, bool groups_differ);
// Over `backends` equal backends: one fixed order, repeated; each backend exactly `rounds` times.
BackendCheck rotation(int backends, int rounds);

// How one VIP's counters must move over a row. When a row lists any VIP, every VIP it does not list
// must not move at all (VIP or backend counters).
struct VipMove {
  std::string vip{};                             // its key, "tcp/198.18.0.100:80"
  std::uint64_t packets = 0;                     // bytes are checked too when every frame counted here
  std::optional<std::uint64_t> new_flows{};      // unset: not checked
  bool per_backend = false;                      // each backend moved by exactly the frames sent to it
  std::optional<std::uint64_t> packets_total{};  // the VIP's packet counter after the row, absolute
};

// Every member has a default, so that a row names only what it needs (designated initializers).
struct FrameRow {
  std::string description{};
  Setup setup{};                       // applied before the frames
  Frames in{};                         // built with the packet builders
  std::uint32_t verdict = XDP_PASS;    // of every frame
  FrameOut out = untouched();          // of every frame
  xdplb_reason reason = XDPLB_R_PASS_NOT_VIP;  // each frame counted once under it, no other reason moves
  BackendCheck backends{};
  std::string remember{};              // keeps the row's choices under this name for later rows
  std::vector<VipMove> vips{};

  // The row with one member more (on a row from a row maker below).
  FrameRow after(Setup s) const;
  FrameRow checking(BackendCheck check) const;
  FrameRow remembered_as(std::string name) const;
  FrameRow moving(std::vector<VipMove> moves) const;
};

// Row makers for the common kinds of row.
// Forwarded by DR out of the ingress (XDP_TX) to `backend` (0: the one chosen), counted as `reason`.
FrameRow forwarded(std::string description, Frames in, int backend = 0, xdplb_reason reason = XDPLB_R_FWD_TX);
// Passed to the stack untouched, counted as `reason`.
FrameRow passed(std::string description, Frames in, xdplb_reason reason = XDPLB_R_PASS_NOT_VIP);

struct FrameStory {
  std::string description;
  std::vector<FrameRow> rows;
};

// One table per concern; each story a doctest SUBCASE on a fresh lab, each row reported by its
// description (and the story's) on failure.
using FrameTable = std::vector<FrameStory>;
void run_frame_table(const FrameTable& table);

// Frames of `count` flows from client `client` to dst:dport, source ports from `first_port` on.
Frames flows(const std::string& dst, uint16_t dport, int count, uint16_t first_port = 20000, int client = 1,
             uint8_t proto = 6);
// The same frames with TCP flags SYN only (the opening of a connection); IPv4 without options only.
Frames as_syn(Frames frames);

}  // namespace xdplb::test
