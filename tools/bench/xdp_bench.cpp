// xdp_bench: what the xdplb XDP program costs per packet, measured with BPF_PROG_TEST_RUN.
//
// Two ways to drive the kernel, each with its own fixed cost:
//  * repeat: one BPF_PROG_TEST_RUN runs the program `repeat` times on one buffer and reports the mean.
//    Valid only when every run does the same work: a pass (buffer untouched) or a hit on one
//    established flow (the MAC rewrite leaves the 5-tuple as it was).
//  * single: one BPF_PROG_TEST_RUN per packet, for cases where every packet must differ (a new flow
//    each packet, 200k established flows cycled). The kernel still times the program only, but a
//    run of one pays the timer reads around it; the wall time per syscall is printed too.
// The fixed cost of each mode is measured with a pass-only program (the harness) in the same run and
// subtracted: "net". A parse + MAC swap + XDP_TX program is the floor any forwarder pays.
//
// Every case runs `rounds` times and reports the median. Conntrack inserts are real and checked: a
// new-flow round must raise the VIP's new-flow counter by exactly its packet count, and its flows must
// be found in the conntrack map afterwards.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "dataplane/dataplane.h"
#include "stop_signals.h"
#include "xdp_pass.skel.h"
#include "xdp_swap_tx.skel.h"

namespace {

using xdplb::config::IpAddress;
using namespace xdplb::dataplane;
using Clock = std::chrono::steady_clock;

using xdplb::bench::stop_signal;
using xdplb::bench::StopSignals;
using xdplb::bench::throw_if_interrupted;

// ---- Frames -------------------------------------------------------------------------------------------

constexpr std::uint16_t kVipPort = 80;
constexpr std::uint16_t kNatServerPort = 8080;  // the NAT lab's real servers' port
constexpr std::uint32_t kLoopbackIfindex = 1;  // where BPF_PROG_TEST_RUN says a frame came in
constexpr MacAddress kLbMac{0x02, 0, 0, 0, 0, 0xaa};
constexpr MacAddress kClientMac{0x02, 0, 0, 0, 0, 0xcc};

struct Flow {
  bool v6 = false;
  std::array<std::uint8_t, 16> src{};
  std::array<std::uint8_t, 16> dst{};
  std::uint16_t sport = 0;
  std::uint16_t dport = 0;
};

std::array<std::uint8_t, 16> address_bytes(const char* text) {
  auto parsed = IpAddress::parse(text);
  if (!parsed) throw std::invalid_argument(std::string("bad address ") + text);
  return parsed->bytes;
}

const char* vip_text(bool v6) { return v6 ? "fd00::100" : "198.18.0.100"; }
const char* family_name(bool v6) { return v6 ? "IPv6" : "IPv4"; }

// Client flow number `index` of a family: 64,000 source ports per client address, then the next
// address (198.19.0.0/16, fd00:1::/112), so billions of distinct 5-tuples to one VIP port.
Flow client_flow(bool v6, std::uint32_t index, const char* dst = nullptr) {
  Flow f;
  f.v6 = v6;
  const std::uint32_t host = index / 64000;
  f.sport = static_cast<std::uint16_t>(1024 + index % 64000);
  f.dport = kVipPort;
  f.dst = address_bytes(dst ? dst : vip_text(v6));
  if (v6) {
    f.src = address_bytes("fd00:1::");
    f.src[14] = static_cast<std::uint8_t>(host >> 8);
    f.src[15] = static_cast<std::uint8_t>(host);
  } else {
    f.src = address_bytes("198.19.0.0");
    f.src[2] = static_cast<std::uint8_t>(host >> 8);
    f.src[3] = static_cast<std::uint8_t>(host);
  }
  return f;
}

void put16(std::uint8_t* at, std::uint16_t host_order) {
  const std::uint16_t wire = htons(host_order);
  std::memcpy(at, &wire, 2);
}

std::uint16_t ipv4_header_checksum(const std::uint8_t* header) {
  std::uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += static_cast<std::uint32_t>(header[i] << 8 | header[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

constexpr std::size_t kEthLen = 14, kIpv4Len = 20, kIpv6Len = 40, kTcpLen = 20;

std::size_t frame_length(bool v6) { return kEthLen + (v6 ? kIpv6Len : kIpv4Len) + kTcpLen; }

// A TCP segment from the client to the flow's destination, as a NIC would hand it over: a SYN (a
// new connection: the program chooses without a conntrack lookup) or an ACK (an established one).
// The TCP checksum stays zero: neither program reads it.
void write_tcp_frame(const Flow& f, std::uint8_t* out, bool syn) {
  std::memset(out, 0, frame_length(f.v6));
  std::memcpy(out, kLbMac.data(), 6);
  std::memcpy(out + 6, kClientMac.data(), 6);
  put16(out + 12, f.v6 ? 0x86DD : 0x0800);
  std::uint8_t* ip = out + kEthLen;
  std::uint8_t* tcp = nullptr;
  if (f.v6) {
    ip[0] = 0x60;
    put16(ip + 4, kTcpLen);
    ip[6] = IPPROTO_TCP;
    ip[7] = 64;
    std::memcpy(ip + 8, f.src.data(), 16);
    std::memcpy(ip + 24, f.dst.data(), 16);
    tcp = ip + kIpv6Len;
  } else {
    ip[0] = 0x45;
    put16(ip + 2, kIpv4Len + kTcpLen);
    put16(ip + 6, 0x4000);  // DF
    ip[8] = 64;
    ip[9] = IPPROTO_TCP;
    std::memcpy(ip + 12, f.src.data(), 4);
    std::memcpy(ip + 16, f.dst.data(), 4);
    put16(ip + 10, ipv4_header_checksum(ip));
    tcp = ip + kIpv4Len;
  }
  put16(tcp, f.sport);
  put16(tcp + 2, f.dport);
  tcp[12] = 5 << 4;  // data offset
  tcp[13] = syn ? 0x02 : 0x10;  // SYN or ACK
  put16(tcp + 14, 64240);
}

std::vector<std::uint8_t> ack_frame(const Flow& f) {
  std::vector<std::uint8_t> frame(frame_length(f.v6));
  write_tcp_frame(f, frame.data(), false);
  return frame;
}

// Frames of one family laid out back to back, so a single-run loop touches no allocator.
class FrameBatch {
 public:
  enum class Flows { distinct, one_repeated };

  // `count` frames of client flows first_flow, first_flow + 1, ... (or first_flow every time) to
  // `dst` (the family's VIP when null).
  FrameBatch(bool v6, std::uint32_t first_flow, std::uint32_t count, Flows flows = Flows::distinct,
             const char* dst = nullptr, bool syn = false, bool replies = false)
      : replies_(replies),
        v6_(v6),
        first_flow_(first_flow),
        count_(count),
        step_(flows == Flows::distinct ? 1 : 0),
        dst_(dst),
        stride_(frame_length(v6)),
        bytes_(stride_ * count) {
    for (std::uint32_t i = 0; i < count; ++i) write_tcp_frame(flow(i), bytes_.data() + i * stride_, syn);
  }
  std::uint32_t size() const { return count_; }
  std::span<const std::uint8_t> frame(std::uint32_t i) const { return {bytes_.data() + i * stride_, stride_}; }
  // With `replies`: the NAT reply to that client flow, from backend 1 port kNatServerPort.
  Flow flow(std::uint32_t i) const {
    Flow f = client_flow(v6_, first_flow_ + i * step_, dst_);
    if (!replies_) return f;
    Flow r = f;
    r.src = address_bytes(v6_ ? "fd00::1:1" : "198.18.1.1");
    r.dst = f.src;
    r.sport = kNatServerPort;
    r.dport = f.sport;
    return r;
  }

 private:
  bool replies_;
  bool v6_;
  std::uint32_t first_flow_, count_, step_;
  const char* dst_;
  std::size_t stride_;
  std::vector<std::uint8_t> bytes_;
};

// ---- BPF_PROG_TEST_RUN ----------------------------------------------------------------------------------

const char* verdict_name(std::uint32_t verdict) {
  switch (verdict) {
    case XDP_ABORTED: return "XDP_ABORTED";
    case XDP_DROP: return "XDP_DROP";
    case XDP_PASS: return "XDP_PASS";
    case XDP_TX: return "XDP_TX";
    case XDP_REDIRECT: return "XDP_REDIRECT";
    default: return "unknown verdict";
  }
}

struct RunOutput {
  std::uint32_t verdict = 0;
  std::uint32_t duration_ns = 0;  // kernel-measured mean over the repeats
};

// One BPF_PROG_TEST_RUN; `frame_out` (when given) receives the frame as the program left it.
RunOutput test_run(int prog_fd, std::span<const std::uint8_t> frame, std::uint32_t repeat,
                   std::vector<std::uint8_t>* frame_out = nullptr) {
  bpf_test_run_opts opts{};
  opts.sz = sizeof(opts);
  opts.data_in = frame.data();
  opts.data_size_in = static_cast<std::uint32_t>(frame.size());
  opts.repeat = repeat;
  if (frame_out) {
    frame_out->assign(frame.size(), 0);
    opts.data_out = frame_out->data();
    opts.data_size_out = static_cast<std::uint32_t>(frame_out->size());
  }
  if (bpf_prog_test_run_opts(prog_fd, &opts) != 0) {
    throw_if_interrupted();
    throw std::runtime_error(std::string("BPF_PROG_TEST_RUN: ") + std::strerror(errno));
  }
  return RunOutput{opts.retval, opts.duration};
}

void expect_verdict(std::uint32_t got, std::uint32_t expected, const std::string& what) {
  if (got != expected)
    throw std::runtime_error(what + ": the program returned " + verdict_name(got) + ", expected " +
                             verdict_name(expected));
}

struct Sample {
  double kernel_ns = 0;  // per packet, as the kernel timed it
  double wall_ns = 0;    // per syscall, single mode only
};

Sample run_repeated(int prog_fd, std::span<const std::uint8_t> frame, std::uint32_t repeat, std::uint32_t expected,
                    const std::string& what) {
  throw_if_interrupted();
  const RunOutput out = test_run(prog_fd, frame, repeat);
  expect_verdict(out.verdict, expected, what);
  return Sample{static_cast<double>(out.duration_ns), 0};
}

Sample run_each(int prog_fd, const FrameBatch& batch, std::uint32_t expected, const std::string& what) {
  std::uint64_t kernel_ns = 0;
  const auto start = Clock::now();
  for (std::uint32_t i = 0; i < batch.size(); ++i) {
    if ((i & 4095) == 0) throw_if_interrupted();
    const RunOutput out = test_run(prog_fd, batch.frame(i), 1);
    if (out.verdict != expected) expect_verdict(out.verdict, expected, what + " (packet " + std::to_string(i) + ")");
    kernel_ns += out.duration_ns;
  }
  const double wall = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
  return Sample{static_cast<double>(kernel_ns) / batch.size(), wall / batch.size()};
}

// ---- The load balancer under test ----------------------------------------------------------------------

// Every backend answers on the interface the test frames arrive on, so the program forwards with XDP_TX.
class LabNextHops : public NextHopResolver {
 public:
  void refresh() override {}
  std::optional<NextHop> resolve(const IpAddress& address) override {
    NextHop hop;
    hop.ifindex = static_cast<int>(kLoopbackIfindex);
    hop.mac = {0x02, 0, 0, 0x0b, address.bytes[address.is_ipv4() ? 2 : 14], address.bytes[address.is_ipv4() ? 3 : 15]};
    hop.src_mac = kLbMac;
    return hop;
  }
};

std::string unique_instance(const std::string& purpose) {
  static int sequence = 0;
  return "xdpbench-" + std::to_string(getpid()) + "-" + std::to_string(sequence++) + "-" + purpose;
}

// A Dataplane (pinned under a directory of its own, unpinned when this goes away) serving one IPv4 and
// one IPv6 VIP, TCP port 80, 10 backends each, Maglev with the default ring. The conntrack flood guard
// is off: a benchmark sends new flows far faster than its default rate, and most cases measure what
// recording a flow costs.
class LbLab {
 public:
  LbLab(const std::string& purpose, std::uint32_t conntrack_entries, ForwardMethod forward = ForwardMethod::dr) {
    DataplaneOptions options;
    options.instance = unique_instance(purpose);
    options.map_sizes.conntrack = conntrack_entries;
    options.flood_rate = 0;
    dataplane_ = std::make_unique<Dataplane>(options, std::make_unique<LabNextHops>());
    std::vector<VipSpec> vips;
    for (bool v6 : {false, true}) {
      VipSpec vip;
      vip.address = *IpAddress::parse(vip_text(v6));
      vip.port = kVipPort;
      for (int n = 1; n <= 10; ++n) {
        BackendSpec b;
        b.address = *IpAddress::parse((v6 ? "fd00::1:" : "198.18.1.") + std::to_string(n));
        b.port = forward == ForwardMethod::nat ? kNatServerPort : kVipPort;
        b.forward = forward;
        vip.backends.push_back(b);
      }
      vips.push_back(std::move(vip));
    }
    const SyncReport report = dataplane_->sync(vips);
    if (!report.refused.empty() || !report.unresolved.empty())
      throw std::runtime_error("the lab's VIPs were not programmed: " +
                               (report.refused.empty() ? report.unresolved.front() : report.refused.front()));
  }

  int program_fd() { return dataplane_->program().program_fd(); }
  void set_flood_rate(std::uint32_t rate) { dataplane_->set_flood_rate(rate); }
  std::uint64_t untracked() const { return dataplane_->flood().untracked; }

  std::uint64_t new_flows(bool v6) const {
    const std::string key = std::string("tcp/") + (v6 ? "[fd00::100]" : "198.18.0.100") + ":80";
    for (const auto& vip : dataplane_->status())
      if (vip.key == key) return vip.traffic.new_flows;
    throw std::runtime_error("VIP " + key + " missing from the data plane");
  }

  bool tracked(const Flow& f) {
    xdplb_flow key{};
    std::memcpy(key.src, f.src.data(), f.v6 ? 16 : 4);
    std::memcpy(key.dst, f.dst.data(), f.v6 ? 16 : 4);
    key.sport = htons(f.sport);
    key.dport = htons(f.dport);
    key.proto = IPPROTO_TCP;
    key.family = f.v6 ? XDPLB_FAMILY_V6 : XDPLB_FAMILY_V4;
    xdplb_ct_entry entry{};
    return bpf_map_lookup_elem(dataplane_->program().maps().conntrack, &key, &entry) == 0;
  }

 private:
  std::unique_ptr<Dataplane> dataplane_;
};

// The new-flow counter must move by exactly `expected` (every packet inserted, none skipped).
void expect_new_flows(const LbLab& lab, bool v6, std::uint64_t before, std::uint64_t expected, const std::string& what) {
  const std::uint64_t got = lab.new_flows(v6) - before;
  if (got != expected)
    throw std::runtime_error(what + ": " + std::to_string(got) + " new flows counted, expected " +
                             std::to_string(expected));
}

void expect_all_tracked(LbLab& lab, const FrameBatch& batch, const std::string& what) {
  for (std::uint32_t i = 0; i < batch.size(); ++i)
    if (!lab.tracked(batch.flow(i)))
      throw std::runtime_error(what + ": flow " + std::to_string(i) + " is not in the conntrack map");
}

// ---- Lab programs -------------------------------------------------------------------------------------

struct PassSkeletonDeleter {
  void operator()(xdp_pass* skel) const { xdp_pass__destroy(skel); }
};
struct SwapSkeletonDeleter {
  void operator()(xdp_swap_tx* skel) const { xdp_swap_tx__destroy(skel); }
};

// ---- Results -------------------------------------------------------------------------------------------

enum class Mode { repeat, single };

struct Result {
  std::string name;
  bool v6 = false;
  Mode mode = Mode::repeat;
  std::vector<Sample> rounds;
  double target_ns = 0;  // 0: no target (the harness and the floor)
  bool is_floor = false;
};

double median(std::vector<double> values) {
  std::ranges::sort(values);
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double median_kernel(const std::vector<Sample>& samples) {
  std::vector<double> v;
  for (const auto& s : samples) v.push_back(s.kernel_ns);
  return median(v);
}

double median_wall(const std::vector<Sample>& samples) {
  std::vector<double> v;
  for (const auto& s : samples) v.push_back(s.wall_ns);
  return median(v);
}

template <typename Measure>
std::vector<Sample> rounds_of(unsigned rounds, Measure&& measure) {
  std::vector<Sample> samples;
  for (unsigned r = 0; r < rounds; ++r) samples.push_back(measure(r));
  return samples;
}

struct Settings {
  unsigned rounds = 5;
  std::uint32_t repeat = 1'000'000;
  std::uint32_t new_flows = 100'000;
  std::uint32_t cycled_flows = 200'000;
  std::uint32_t conntrack = XDPLB_DEFAULT_CONNTRACK;
  std::uint32_t flood_conntrack = 65'536;
  int cpu = -1;
};

class Bench {
 public:
  explicit Bench(const Settings& s) : s_(s) {
    pass_.reset(xdp_pass__open_and_load());
    swap_.reset(xdp_swap_tx__open_and_load());
    if (!pass_ || !swap_) throw std::runtime_error(std::string("load the lab BPF programs: ") + std::strerror(errno));
  }

  void run() {
    measure_harness("before");
    measure_floor();
    measure_main_lab();
    for (bool v6 : {false, true}) measure_new_flows(v6);
    for (bool v6 : {false, true}) measure_flood(v6);
    for (bool v6 : {false, true}) measure_flood_guard(v6);
    measure_nat();
    measure_harness("after");
  }

  void print() const;

 private:
  int pass_fd() const { return bpf_program__fd(pass_->progs.xdp_pass); }
  int swap_fd() const { return bpf_program__fd(swap_->progs.xdp_swap_tx); }

  void add(std::string name, bool v6, Mode mode, std::vector<Sample> rounds, double target = 0, bool is_floor = false) {
    results_.push_back(Result{std::move(name), v6, mode, std::move(rounds), target, is_floor});
  }

  // The harness runs a different batch every round so the single mode's page-cache state matches the
  // LB's new-flow rounds.
  void measure_harness(const char* when) {
    const auto frame = ack_frame(client_flow(false, 0));
    harness_repeat_.push_back(rounds_of(s_.rounds, [&](unsigned) {
      return run_repeated(pass_fd(), frame, s_.repeat, XDP_PASS, "harness");
    }));
    harness_single_.push_back(rounds_of(s_.rounds, [&](unsigned r) {
      return run_each(pass_fd(), FrameBatch(false, r * s_.new_flows, s_.new_flows), XDP_PASS, "harness");
    }));
    std::printf("harness measured (%s the cases)\n", when);
    std::fflush(stdout);
  }

  void measure_floor() {
    for (bool v6 : {false, true}) {
      const auto frame = ack_frame(client_flow(v6, 0));
      add("floor: parse + MAC swap + XDP_TX", v6, Mode::repeat, rounds_of(s_.rounds, [&](unsigned) {
            return run_repeated(swap_fd(), frame, s_.repeat, XDP_TX, "floor");
          }), 0, true);
      add("floor: parse + MAC swap + XDP_TX", v6, Mode::single, rounds_of(s_.rounds, [&](unsigned r) {
            return run_each(swap_fd(), FrameBatch(v6, r * s_.new_flows, s_.new_flows), XDP_TX, "floor");
          }), 0, true);
    }
  }

  void measure_main_lab() {
    LbLab lab("main", s_.conntrack);
    for (bool v6 : {false, true}) {
      const auto not_vip = ack_frame(client_flow(v6, 0, v6 ? "fd00::200" : "198.18.0.200"));
      add("non-VIP pass", v6, Mode::repeat, rounds_of(s_.rounds, [&](unsigned) {
            return run_repeated(lab.program_fd(), not_vip, s_.repeat, XDP_PASS, "non-VIP pass");
          }), 50);
      const FrameBatch not_vips(v6, 0, s_.new_flows, FrameBatch::Flows::distinct, v6 ? "fd00::200" : "198.18.0.200");
      add("non-VIP pass", v6, Mode::single, rounds_of(s_.rounds, [&](unsigned) {
            return run_each(lab.program_fd(), not_vips, XDP_PASS, "non-VIP pass, single runs");
          }), 50);
    }
    for (bool v6 : {false, true}) {
      // One hot flow: the first packet inserts it; every repeat then hits conntrack. The rewritten
      // buffer keeps the 5-tuple, so the repeats stay on the same flow.
      const Flow hot = client_flow(v6, 4'000'000'000u);
      const auto frame = ack_frame(hot);
      const std::uint64_t before = lab.new_flows(v6);
      std::vector<std::uint8_t> out;
      const RunOutput first = test_run(lab.program_fd(), frame, 1, &out);
      expect_verdict(first.verdict, XDP_TX, "hot flow, first packet");
      if (out.size() < 6 || out[0] != 0x02 || out[3] != 0x0b)
        throw std::runtime_error("hot flow: the frame was not rewritten to a backend MAC");
      auto samples = rounds_of(s_.rounds, [&](unsigned) {
        return run_repeated(lab.program_fd(), frame, s_.repeat, XDP_TX, "established hot flow");
      });
      add("established, 1 hot flow", v6, Mode::repeat, std::move(samples), 120);
      // The same flow one syscall per packet: what single mode alone adds (cold caches after the
      // syscall path), so the 200k-flow figure below can be read as this plus the table's misses.
      const FrameBatch copies(v6, 4'000'000'000u, s_.new_flows, FrameBatch::Flows::one_repeated);
      add("established, 1 hot flow", v6, Mode::single, rounds_of(s_.rounds, [&](unsigned) {
            return run_each(lab.program_fd(), copies, XDP_TX, "established hot flow, single runs");
          }), 120);
      expect_new_flows(lab, v6, before, 1, "established hot flow");
    }
    for (bool v6 : {false, true}) {
      const FrameBatch flows(v6, 3'000'000'000u, s_.cycled_flows);
      const std::uint64_t before = lab.new_flows(v6);
      run_each(lab.program_fd(), flows, XDP_TX, "established flows, first packets");
      expect_new_flows(lab, v6, before, flows.size(), "established flows, first packets");
      expect_all_tracked(lab, flows, "established flows");
      auto samples = rounds_of(s_.rounds, [&](unsigned) {
        return run_each(lab.program_fd(), flows, XDP_TX, "established flows cycled");
      });
      expect_new_flows(lab, v6, before, flows.size(), "established flows cycled (no packet may miss)");
      add("established, " + std::to_string(s_.cycled_flows / 1000) + "k flows cycled", v6, Mode::single,
          std::move(samples), 120);
    }
  }

  // A fresh data plane per family: every round's flows are new, and the conntrack map has room for all.
  void measure_new_flows(bool v6) {
    LbLab lab(v6 ? "new6" : "new4", s_.conntrack);
    auto samples = rounds_of(s_.rounds, [&](unsigned r) {
      const FrameBatch flows(v6, r * s_.new_flows, s_.new_flows, FrameBatch::Flows::distinct, nullptr, true);
      const std::uint64_t before = lab.new_flows(v6);
      const Sample sample = run_each(lab.program_fd(), flows, XDP_TX, "new flow");
      expect_new_flows(lab, v6, before, flows.size(), "new flow");
      expect_all_tracked(lab, flows, "new flow");
      return sample;
    });
    add("new flow: SYN (Maglev pick + conntrack insert)", v6, Mode::single, std::move(samples), 350);
  }

  // lb_kind NAT: the inbound rewrite (one hot flow, new flows, 200k flows cycled) and the replies
  // (reverse table lookup, bpf_fib_lookup, rewrite, redirect). Single mode only: a NAT rewrite
  // changes the 5-tuple, so a repeat would run on another packet. The replies need a FIB: this
  // process moves into a private network namespace with a route to the clients via a resolved
  // neighbour (last of the data-plane cases: everything after runs there too).
  void measure_nat() {
    LbLab lab("nat", s_.conntrack, ForwardMethod::nat);
    for (bool v6 : {false, true}) {
      const FrameBatch copies(v6, 4'000'000'000u, s_.new_flows, FrameBatch::Flows::one_repeated);
      add("NAT inbound, 1 hot flow", v6, Mode::single, rounds_of(s_.rounds, [&](unsigned) {
            return run_each(lab.program_fd(), copies, XDP_TX, "NAT inbound hot flow");
          }), 120);
      auto samples = rounds_of(s_.rounds, [&](unsigned r) {
        const FrameBatch flows(v6, r * s_.new_flows, s_.new_flows, FrameBatch::Flows::distinct, nullptr, true);
        const std::uint64_t before = lab.new_flows(v6);
        const Sample sample = run_each(lab.program_fd(), flows, XDP_TX, "NAT inbound new flow");
        expect_new_flows(lab, v6, before, flows.size(), "NAT inbound new flow");
        return sample;
      });
      add("NAT inbound, new flow: SYN", v6, Mode::single, std::move(samples), 350);
      const FrameBatch cycled(v6, 3'000'000'000u, s_.cycled_flows);
      run_each(lab.program_fd(), cycled, XDP_TX, "NAT inbound flows, first packets");
      add("NAT inbound, " + std::to_string(s_.cycled_flows / 1000) + "k flows cycled", v6, Mode::single,
          rounds_of(s_.rounds, [&](unsigned) {
            return run_each(lab.program_fd(), cycled, XDP_TX, "NAT inbound flows cycled");
          }), 120);
    }
    enter_fib_lab();
    for (bool v6 : {false, true}) {
      const FrameBatch hot(v6, 4'000'000'000u, s_.new_flows, FrameBatch::Flows::one_repeated, nullptr, false, true);
      add("NAT reply (reverse lookup + FIB + rewrite), 1 flow", v6, Mode::single, rounds_of(s_.rounds, [&](unsigned) {
            return run_each(lab.program_fd(), hot, XDP_REDIRECT, "NAT reply");
          }), 0);
      const FrameBatch many(v6, 3'000'000'000u, s_.cycled_flows, FrameBatch::Flows::distinct, nullptr, false, true);
      add("NAT reply, " + std::to_string(s_.cycled_flows / 1000) + "k flows (no per-flow state)", v6, Mode::single,
          rounds_of(s_.rounds, [&](unsigned) { return run_each(lab.program_fd(), many, XDP_REDIRECT, "NAT replies"); }),
          0);
    }
  }

  static void enter_fib_lab() {
    if (unshare(CLONE_NEWNET) != 0) throw std::runtime_error(std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno));
    const char* commands[] = {
        "ip link set lo up",
        "ip link add xdpbench0 type veth peer name xdpbench1",
        "ip link set xdpbench1 up",
        "ip link set xdpbench0 up",
        "sysctl -qw net.ipv4.ip_forward=1",
        "sysctl -qw net.ipv6.conf.all.forwarding=1",
        "ip addr add 198.18.2.2/24 dev xdpbench0",
        "ip -6 addr add fd00:2::2/64 dev xdpbench0 nodad",
        "ip neigh replace 198.18.2.1 lladdr 02:00:00:00:00:ee dev xdpbench0 nud permanent",
        "ip -6 neigh replace fd00:2::1 lladdr 02:00:00:00:00:ee dev xdpbench0 nud permanent",
        "ip route add 198.19.0.0/16 via 198.18.2.1 dev xdpbench0",
        "ip -6 route add fd00:1::/64 via fd00:2::1 dev xdpbench0",
    };
    for (const char* c : commands)
      if (std::system(c) != 0) throw std::runtime_error(std::string("NAT FIB lab: ") + c + " failed");
  }

  // A flood: the conntrack map is full, so every insert first evicts the coldest entry.
  void measure_flood(bool v6) {
    LbLab lab(v6 ? "flood6" : "flood4", s_.flood_conntrack);
    const FrameBatch fill(v6, 0, s_.flood_conntrack);
    run_each(lab.program_fd(), fill, XDP_TX, "conntrack fill");
    auto samples = rounds_of(s_.rounds, [&](unsigned r) {
      const FrameBatch flows(v6, (r + 1) * 10'000'000u, s_.new_flows, FrameBatch::Flows::distinct, nullptr, true);
      const std::uint64_t before = lab.new_flows(v6);
      const Sample sample = run_each(lab.program_fd(), flows, XDP_TX, "new flow, full conntrack");
      expect_new_flows(lab, v6, before, flows.size(), "new flow, full conntrack");
      if (!lab.tracked(flows.flow(flows.size() - 1)))
        throw std::runtime_error("new flow, full conntrack: the newest flow was not recorded");
      return sample;
    });
    add("new flow, conntrack full (" + std::to_string(s_.flood_conntrack / 1024) + "Ki LRU evicting)", v6,
        Mode::single, std::move(samples), 350);
  }

  // The same full table with the flood guard saturated (rate 1/s): non-SYN packets of new flows pay the
  // conntrack lookup miss and the Maglev pick, and are forwarded without being recorded.
  void measure_flood_guard(bool v6) {
    LbLab lab(v6 ? "guard6" : "guard4", s_.flood_conntrack);
    const FrameBatch fill(v6, 0, s_.flood_conntrack);
    run_each(lab.program_fd(), fill, XDP_TX, "conntrack fill");
    lab.set_flood_rate(1);
    auto samples = rounds_of(s_.rounds, [&](unsigned r) {
      const FrameBatch flows(v6, (r + 1) * 10'000'000u, s_.new_flows);
      const std::uint64_t before = lab.new_flows(v6), untracked_before = lab.untracked();
      const Sample sample = run_each(lab.program_fd(), flows, XDP_TX, "new flow past the flood guard");
      expect_new_flows(lab, v6, before, flows.size(), "new flow past the flood guard");
      // At most one flow per one-second window is recorded.
      if (lab.untracked() - untracked_before + 10 < flows.size())
        throw std::runtime_error("new flow past the flood guard: flows were recorded");
      return sample;
    });
    add("new flow past flood guard (lookup miss, no insert; " + std::to_string(s_.flood_conntrack / 1024) + "Ki full)",
        v6, Mode::single, std::move(samples), 350);
  }

  double harness_ns(Mode mode) const {
    std::vector<double> all;
    for (const auto& set : mode == Mode::repeat ? harness_repeat_ : harness_single_)
      for (const auto& s : set) all.push_back(s.kernel_ns);
    return median(all);
  }

  double harness_wall_ns() const {
    std::vector<double> all;
    for (const auto& set : harness_single_)
      for (const auto& s : set) all.push_back(s.wall_ns);
    return median(all);
  }

  Settings s_;
  std::unique_ptr<xdp_pass, PassSkeletonDeleter> pass_;
  std::unique_ptr<xdp_swap_tx, SwapSkeletonDeleter> swap_;
  std::vector<std::vector<Sample>> harness_repeat_, harness_single_;
  std::vector<Result> results_;
};

void Bench::print() const {
  std::printf("\nBPF_PROG_TEST_RUN, median of %u rounds; repeat mode: %u runs per syscall; single mode: one run per"
              " syscall, %u packets per round\n",
              s_.rounds, s_.repeat, s_.new_flows);
  std::printf("harness (xdp_pass program), kernel-timed ns/packet: repeat %.1f, single %.1f "
              "(before/after the cases: repeat %.1f/%.1f, single %.1f/%.1f); single-run wall time per syscall %.0f ns\n\n",
              harness_ns(Mode::repeat), harness_ns(Mode::single), median_kernel(harness_repeat_.front()),
              median_kernel(harness_repeat_.back()), median_kernel(harness_single_.front()),
              median_kernel(harness_single_.back()), harness_wall_ns());
  std::printf("%-44s %-4s %-6s %8s %17s %8s %8s %7s %9s %7s %11s\n", "case", "IP", "mode", "raw ns", "rounds min..max",
              "harness", "net ns", "target", "x floor", "verdict", "wall ns/run");
  for (const Result& r : results_) {
    const double raw = median_kernel(r.rounds);
    const double harness = harness_ns(r.mode);
    const double net = raw - harness;
    auto [lo, hi] = std::ranges::minmax(r.rounds, {}, &Sample::kernel_ns);
    const Result* floor = nullptr;
    for (const Result& f : results_)
      if (f.is_floor && f.v6 == r.v6 && f.mode == r.mode) floor = &f;
    char ratio[16] = "-";
    if (!r.is_floor && floor) {
      const double floor_net = median_kernel(floor->rounds) - harness;
      if (floor_net > 0.5) std::snprintf(ratio, sizeof(ratio), "%.1f", net / floor_net);
    }
    char target[16] = "-";
    const char* verdict = "";
    if (r.target_ns > 0) {
      std::snprintf(target, sizeof(target), "< %.0f", r.target_ns);
      verdict = net < r.target_ns ? "met" : "MISSED";
    }
    char wall[16] = "-";
    if (r.mode == Mode::single) std::snprintf(wall, sizeof(wall), "%.0f", median_wall(r.rounds));
    char spread[32];
    std::snprintf(spread, sizeof(spread), "%.1f..%.1f", lo.kernel_ns, hi.kernel_ns);
    std::printf("%-44s %-4s %-6s %8.1f %17s %8.1f %8.1f %7s %9s %7s %11s\n", r.name.c_str(), family_name(r.v6),
                r.mode == Mode::repeat ? "repeat" : "single", raw, spread, harness, net, target, ratio, verdict, wall);
  }
  std::printf("\nnet = raw - harness of the same mode; x floor = net / net of the floor program (same mode and family)\n");
}

void pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof(set), &set) != 0)
    throw std::runtime_error("pin to CPU " + std::to_string(cpu) + ": " + std::strerror(errno));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ns/packet of the xdplb XDP program via BPF_PROG_TEST_RUN, beside a harness and a floor program"};
  Settings s;
  bool verbose = false;
  app.add_option("--rounds", s.rounds, "rounds per case (the median is reported)")->check(CLI::Range(1U, 101U));
  app.add_option("--repeat", s.repeat, "runs per syscall in repeat mode")->check(CLI::Range(1000U, 100'000'000U));
  app.add_option("--new-flows", s.new_flows, "distinct packets per round in single mode")
      ->check(CLI::Range(1000U, 1'000'000U));
  app.add_option("--cycled-flows", s.cycled_flows, "established flows cycled")->check(CLI::Range(1000U, 1'000'000U));
  app.add_option("--conntrack", s.conntrack, "conntrack entries of the main and new-flow data planes")
      ->check(CLI::Range(65'536U, 16'777'216U));
  app.add_option("--flood-conntrack", s.flood_conntrack, "conntrack entries of the flood case (kept full)")
      ->check(CLI::Range(1024U, 16'777'216U));
  app.add_option("--cpu", s.cpu, "CPU to run on (default: the last one)");
  app.add_flag("-v,--verbose", verbose, "log the data plane's info messages");
  CLI11_PARSE(app, argc, argv);

  spdlog::set_level(verbose ? spdlog::level::info : spdlog::level::warn);
  const std::uint32_t needed = s.cycled_flows * 2 + 1;
  if (needed > s.conntrack) {
    std::fprintf(stderr, "xdp_bench: --conntrack %u cannot hold 2 x %u cycled flows\n", s.conntrack, s.cycled_flows);
    return 2;
  }
  if (static_cast<std::uint64_t>(s.new_flows) * s.rounds > s.conntrack) {
    std::fprintf(stderr, "xdp_bench: --conntrack %u cannot hold %u rounds of %u new flows without evicting\n",
                 s.conntrack, s.rounds, s.new_flows);
    return 2;
  }
  try {
    const StopSignals stop_signals;
    const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    pin_to_cpu(s.cpu >= 0 ? s.cpu : static_cast<int>(cpus - 1));
    Bench bench(s);
    bench.run();
    bench.print();
  } catch (const std::exception& e) {
    // Every data plane was destroyed while unwinding: their pin directories are gone.
    std::fprintf(stderr, "xdp_bench: %s\n", e.what());
    return stop_signal != 0 ? 128 + stop_signal : 1;
  }
  return 0;
}
