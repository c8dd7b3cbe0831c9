#include "frame_table.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>
#include <system_error>

#include <doctest/doctest.h>

#include "dataplane/bpffs.h"
#include "dataplane/reasons.h"

namespace xdplb::test {

namespace {

std::string choices_text(const Choices& c) {
  std::map<int, int> per_backend;
  for (int b : c) ++per_backend[b];
  std::ostringstream out;
  for (const auto& [b, n] : per_backend) out << " backend " << b << ": " << n;
  return out.str();
}

std::map<int, int> histogram(const Choices& c) {
  std::map<int, int> h;
  for (int b : c) ++h[b];
  return h;
}

// The lab backend number of a backend status key ("198.18.0.12:80", "[fd00::12]:80"), 0 if none.
int lab_backend_number(const std::string& key) {
  const auto colon = key.rfind(':');
  std::string ip = key.substr(0, colon);
  if (!ip.empty() && ip.front() == '[') ip = ip.substr(1, ip.size() - 2);
  for (int n = 1; n <= Lab::kLabBackends; ++n)
    if (ip == backend_ip(n) || ip == backend_ip(n, true)) return n;
  return 0;
}

struct Counts {
  dataplane::CounterTotals verdicts;
  std::map<std::string, dataplane::VipStatus> vips;
};

Counts read_counts(LbFixture& lb) {
  Counts c{lb.dp().verdicts(), {}};
  for (auto& v : lb.dp().status()) c.vips.emplace(v.key, std::move(v));
  return c;
}

std::uint64_t packets_of(const std::map<std::string, dataplane::VipStatus>& vips, const std::string& key) {
  auto it = vips.find(key);
  return it == vips.end() ? 0 : it->second.traffic.packets;
}

void check_verdicts(const FrameRow& row, const Counts& before, const Counts& after, std::uint64_t bytes) {
  for (std::uint32_t r = 0; r < XDPLB_R__COUNT; ++r) {
    const std::string reason(dataplane::reason_name(r));
    CAPTURE(reason);
    const std::uint64_t packets = after.verdicts[r].packets - before.verdicts[r].packets;
    const bool counted_here = r == static_cast<std::uint32_t>(row.reason);
    CHECK(packets == (counted_here ? row.in.size() : 0));
    if (counted_here) CHECK(after.verdicts[r].bytes - before.verdicts[r].bytes == bytes);
  }
}

// Per backend of a VIP: packets and new flows moved over the row, by lab backend number.
std::map<int, dataplane::TrafficCounters> backend_moves(const dataplane::VipStatus* before,
                                                        const dataplane::VipStatus& after) {
  std::map<int, dataplane::TrafficCounters> moves;
  for (const auto& b : after.backends) {
    dataplane::TrafficCounters was;
    if (before)
      for (const auto& old : before->backends)
        if (old.key == b.key) was = old.traffic;  // role included: the sorry server apart
    auto& m = moves[lab_backend_number(b.key.endpoint())];
    m.packets += b.traffic.packets - was.packets;
    m.new_flows += b.traffic.new_flows - was.new_flows;
  }
  return moves;
}

void check_vip_moves(const FrameRow& row, const Choices& choices, const Counts& before, const Counts& after,
                     std::uint64_t bytes) {
  if (row.vips.empty()) return;
  std::set<std::string> listed;
  for (const auto& m : row.vips) {
    CAPTURE(m.vip);
    listed.insert(m.vip);
    auto now = after.vips.find(m.vip);
    REQUIRE_MESSAGE(now != after.vips.end(), "no such VIP");
    auto was = before.vips.find(m.vip);
    const dataplane::VipStatus* prior = was == before.vips.end() ? nullptr : &was->second;
    const auto& t = now->second.traffic;
    const dataplane::TrafficCounters zero;
    const auto& t0 = prior ? prior->traffic : zero;
    CHECK(t.packets - t0.packets == m.packets);
    if (m.packets == row.in.size()) CHECK(t.bytes - t0.bytes == bytes);
    if (m.new_flows) CHECK(t.new_flows - t0.new_flows == *m.new_flows);
    if (m.packets_total) CHECK(t.packets == *m.packets_total);
    if (m.per_backend) {
      const auto moves = backend_moves(prior, now->second);
      const auto sent = histogram(choices);
      std::uint64_t moved = 0;
      for (const auto& [n, traffic] : moves) {
        const int b = n;  // a copy: clang 14 cannot capture structured bindings
        CAPTURE(b);
        const auto it = sent.find(b);
        const std::uint64_t frames = it == sent.end() ? 0 : static_cast<std::uint64_t>(it->second);
        CHECK(traffic.packets == frames);
        if (m.new_flows && *m.new_flows == m.packets) CHECK(traffic.new_flows == frames);
        moved += traffic.packets;
      }
      CHECK(moved == m.packets);
    }
  }
  for (const auto& [key, status] : after.vips) {
    if (listed.count(key)) continue;
    const std::string vip = key;  // a copy: clang 14 cannot capture structured bindings
    CAPTURE(vip);
    CHECK_MESSAGE(status.traffic.packets == packets_of(before.vips, key), "a VIP the row does not list moved");
    auto was = before.vips.find(key);
    for (const auto& [n, traffic] : backend_moves(was == before.vips.end() ? nullptr : &was->second, status))
      CHECK_MESSAGE(traffic.packets == 0, "a backend of a VIP the row does not list moved");
  }
}

void run_row(Lab& lab, const FrameRow& row) {
  if (row.setup.apply) row.setup.apply(lab);
  LbFixture& lb = lab.lb();
  const Counts before = read_counts(lb);
  Choices choices;
  std::uint64_t bytes = 0;
  std::size_t wrong_verdicts = 0, wrong_frames = 0;
  std::string first_wrong;
  for (std::size_t i = 0; i < row.in.size(); ++i) {
    const Frame& in = row.in[i];
    bytes += in.size();
    const auto out = lb.run(in);
    const int backend = LbFixture::backend_of(out);
    choices.push_back(backend);
    const bool verdict_ok = out.verdict == row.verdict;
    const auto expected = row.out.expected(in, backend);
    const bool frame_ok = !expected || out.packet == *expected;
    wrong_verdicts += verdict_ok ? 0 : 1;
    wrong_frames += frame_ok ? 0 : 1;
    if ((!verdict_ok || !frame_ok) && first_wrong.empty()) {
      first_wrong = "frame " + std::to_string(i) + ": verdict " + verdict_name(out.verdict) + ", backend " +
                    std::to_string(backend);
      if (!frame_ok) {
        std::size_t at = 0;
        while (at < out.packet.size() && at < expected->size() && out.packet[at] == (*expected)[at]) ++at;
        first_wrong += ", not the frame expected: " + std::to_string(out.packet.size()) + " bytes for " +
                       std::to_string(expected->size()) + ", first difference at byte " + std::to_string(at);
      }
    }
  }
  CHECK_MESSAGE(wrong_verdicts == 0, "verdict not " << verdict_name(row.verdict) << "; first " << first_wrong);
  CHECK_MESSAGE(wrong_frames == 0, "frame out not " << row.out.what << "; first " << first_wrong);
  const Counts after = read_counts(lb);
  check_verdicts(row, before, after, bytes);
  check_vip_moves(row, choices, before, after, bytes);
  if (row.backends.problem) {
    const std::string problem = row.backends.problem(choices, lab.remembered());
    CHECK_MESSAGE(problem.empty(), "backends not " << row.backends.what << ": " << problem << ";" << choices_text(choices));
  }
  if (!row.remember.empty()) lab.remembered()[row.remember] = choices;
}

}  // namespace

Lab::Lab() {
  static int stories = 0;
  instance_ = "unit-table-" + std::to_string(getpid()) + "-" + std::to_string(stories++);
  start();
}

Lab::~Lab() {
  lb_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(dataplane::pin_dir_for_instance(instance_), ignored);
}

void Lab::start() {
  lb_ = std::make_unique<LbFixture>(instance_);
  lb_->add_backends(kLabBackends);
}

void Lab::restart_keeping_pins() {
  lb_->stop_keeping_pins();
  start();
}

Setup serve(std::string name, std::vector<dataplane::VipSpec> vips) {
  return {std::move(name), [vips = std::move(vips)](Lab& lab) { lab.lb().sync(vips); }};
}

FrameRow FrameRow::after(Setup s) const {
  FrameRow row = *this;
  row.setup = std::move(s);
  return row;
}

FrameRow FrameRow::checking(BackendCheck check) const {
  FrameRow row = *this;
  row.backends = std::move(check);
  return row;
}

FrameRow FrameRow::remembered_as(std::string name) const {
  FrameRow row = *this;
  row.remember = std::move(name);
  return row;
}

FrameRow FrameRow::moving(std::vector<VipMove> moves) const {
  FrameRow row = *this;
  row.vips = std::move(moves);
  return row;
}

FrameRow forwarded(std::string description, Frames in, int backend, xdplb_reason reason) {
  return {.description = std::move(description),
          .in = std::move(in),
          .verdict = XDP_TX,
          .out = dr_rewrite(backend),
          .reason = reason};
}

FrameRow passed(std::string description, Frames in, xdplb_reason reason) {
  return {.description = std::move(description), .in = std::move(in), .reason = reason};
}

FrameOut untouched() {
  return {"the frame in, untouched", [](const Frame& in, int) { return std::optional<Frame>(in); }};
}

FrameOut unchecked() {
  return {"anything", [](const Frame&, int) { return std::optional<Frame>(); }};
}

FrameOut dr_rewrite(int backend) {
  const std::string to = backend ? "backend " + std::to_string(backend) : "the backend chosen";
  return {"the frame in with the MACs of the interface and " + to, [backend](const Frame& in, int chosen) {
            Frame out = in;
            const Mac b = backend_mac(backend ? backend : chosen);
            std::copy(b.begin(), b.end(), out.begin());
            std::copy(kIfaceMac.begin(), kIfaceMac.end(), out.begin() + 6);
            return std::optional<Frame>(std::move(out));
          }};
}

FrameOut exactly(Frame frame) {
  return {"the frame given", [frame = std::move(frame)](const Frame&, int) { return std::optional<Frame>(frame); }};
}

BackendCheck spread_evenly(int backends, int at_least, int at_most) {
  return {"spread evenly over 1-" + std::to_string(backends), [=](const Choices& now, const Remembered&) {
            const auto h = histogram(now);
            if (h.size() != static_cast<std::size_t>(backends) || h.begin()->first != 1 || h.rbegin()->first != backends)
              return std::string("not every backend chosen");
            for (const auto& [b, n] : h)
              if (n < at_least || n > at_most) return "backend " + std::to_string(b) + " outside the bounds";
            return std::string();
          }};
}

BackendCheck as_remembered_but(const std::string& name, int moved_from, std::vector<int> moved_to) {
  return {"where " + name + " went" + (moved_from ? ", but for those of backend " + std::to_string(moved_from) : ""),
          [=](const Choices& now, const Remembered& earlier) {
            const auto it = earlier.find(name);
            if (it == earlier.end()) return "nothing remembered as " + name;
            if (it->second.size() != now.size()) return name + " had another number of frames";
            for (std::size_t i = 0; i < now.size(); ++i) {
              const int was = it->second[i];
              const bool moved = moved_from != 0 && was == moved_from;
              const bool ok = moved ? std::find(moved_to.begin(), moved_to.end(), now[i]) != moved_to.end()
                                    : now[i] == was;
              if (!ok) return "frame " + std::to_string(i) + " went to " + std::to_string(now[i]) + ", was on " + std::to_string(was);
            }
            return std::string();
          }};
}

BackendCheck as_remembered(const std::string& name) { return as_remembered_but(name, 0, {}); }

BackendCheck only_backend(int backend) {
  return {"only backend " + std::to_string(backend), [=](const Choices& now, const Remembered&) {
            const auto h = histogram(now);
            return h.size() == 1 && h.begin()->first == backend ? std::string() : std::string("others chosen");
          }};
}

BackendCheck never_backend(int backend) {
  return {"never backend " + std::to_string(backend), [=](const Choices& now, const Remembered&) {
            return histogram(now).count(backend) ? std::string("it was chosen") : std::string();
          }};
}

BackendCheck includes_backend(int backend) {
  return {"backend " + std::to_string(backend) + " among them", [=](const Choices& now, const Remembered&) {
            return histogram(now).count(backend) ? std::string() : std::string("it was not chosen");
          }};
}

BackendCheck several_backends() {
  return {"more than one backend", [](const Choices& now, const Remembered&) {
            return histogram(now).size() > 1 ? std::string() : std::string("all on one");
          }};
}

BackendCheck share_ratio(int backend, int other, double above, double below) {
  return {"a share ratio " + std::to_string(backend) + ":" + std::to_string(other) + " within bounds",
          [=](const Choices& now, const Remembered&) {
            auto h = histogram(now);
            if (!h[other]) return std::string("no frame to the other backend");
            const double ratio = static_cast<double>(h[backend]) / h[other];
            return ratio > above && ratio < below ? std::string() : "ratio " + std::to_string(ratio);
          }};
}

BackendCheck one_backend_per_group(std::size_t group, bool groups_differ) {
  return {"one backend per group of " + std::to_string(group) + (groups_differ ? ", not all the same" : ""),
          [=](const Choices& now, const Remembered&) {
            std::set<int> group_backends;
            for (std::size_t start = 0; start < now.size(); start += group) {
              const auto end = now.begin() + static_cast<long>(std::min(start + group, now.size()));
              const std::set<int> in_group(now.begin() + static_cast<long>(start), end);
              if (in_group.size() != 1) return "group at frame " + std::to_string(start) + " spread";
              group_backends.insert(*in_group.begin());
            }
            if (groups_differ && group_backends.size() < 2) return std::string("every group on the same backend");
            return std::string();
          }};
}

BackendCheck rotation(int backends, int rounds) {
  return {"a rotation over " + std::to_string(backends), [=](const Choices& now, const Remembered&) {
            const auto n = static_cast<std::size_t>(backends);
            for (std::size_t i = n; i < now.size(); ++i)
              if (now[i] != now[i - n]) return "frame " + std::to_string(i) + " breaks the order";
            const auto h = histogram(now);
            if (h.size() != n) return std::string("not every backend chosen");
            for (const auto& [b, count] : h)
              if (count != rounds) return "backend " + std::to_string(b) + " chosen " + std::to_string(count) + " times";
            return std::string();
          }};
}

void run_frame_table(const FrameTable& table) {
  for (const auto& story : table) {
    SUBCASE(story.description.c_str()) {
      Lab lab;
      for (const auto& row : story.rows) {
        // INFO keeps a reference: the text must outlive the row.
        const std::string named = row.description + (row.setup.name.empty() ? "" : " (after: " + row.setup.name + ")");
        INFO("row: ", named);
        run_row(lab, row);
      }
    }
  }
}

Frames flows(const std::string& dst, uint16_t dport, int count, uint16_t first_port, int client, uint8_t proto) {
  Frames out;
  for (int i = 0; i < count; ++i) out.push_back(client_frame(dst, dport, static_cast<uint16_t>(first_port + i), client, proto));
  return out;
}

Frames as_syn(Frames frames) {
  for (auto& f : frames) f[14 + 20 + 13] = 0x02;  // TCP flags of an IPv4 frame without options or tag
  return frames;
}

}  // namespace xdplb::test
