// A randomized model test of Dataplane::sync: hundreds of sequences of syncs (VIPs added, removed and
// replaced in one sync, backends added and removed, weights, drains, sorry servers, activity, ring
// sizes, schedulers). After every sync the live maps must be what the model says, read three ways:
// Dataplane::verify, the rings decoded here element by element, and packets through the program.
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <cerrno>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include <doctest/doctest.h>

#include "lb_fixture.h"

using namespace xdplb::test;
using xdplb::dataplane::Algorithm;
using xdplb::dataplane::BackendSpec;
using xdplb::dataplane::VipSpec;

namespace {

constexpr int kBackends = 12;  // resolvable backends 1..12, v4 and v6
constexpr int kSorry = 13;     // the sorry server of every VIP that has one
constexpr uint16_t kAnyPortProbe = 9999;  // the destination port probing a port-0 VIP

struct Rng {
  std::mt19937 gen;
  int below(int n) { return std::uniform_int_distribution<int>(0, n - 1)(gen); }
  bool chance(int percent) { return below(100) < percent; }
};

// The VIP addresses the sequences draw from: few enough that VIPs come and go at the same keys.
VipSpec random_vip(Rng& rng) {
  const bool v6 = rng.chance(30);
  const int n = 1 + rng.below(6);
  const std::string address = v6 ? "fd00::5" + std::to_string(n) : "198.18.5." + std::to_string(n);
  static const uint16_t ports[] = {80, 443, 0};
  const uint16_t port = ports[rng.below(3)];
  VipSpec v = vip(address, port, {}, rng.chance(25) ? 17 : 6);
  return v;
}

void randomize_backends(VipSpec& v, Rng& rng) {
  const bool v6 = !v.address.is_ipv4();
  v.backends.clear();
  for (int n = 1; n <= kBackends; ++n) {
    if (!rng.chance(35)) continue;
    const uint32_t weight = rng.chance(15) ? 0 : static_cast<uint32_t>(1 + rng.below(5));
    v.backends.push_back(backend(backend_ip(n, v6), v.port, weight));
  }
  if (rng.chance(25))
    v.sorry_server = backend(backend_ip(kSorry, v6), v.port);
  else
    v.sorry_server.reset();
}

void randomize_scheduling(VipSpec& v, Rng& rng) {
  static const uint32_t sizes[] = {251, 1021, 4099, 65537};
  const int a = rng.below(10);
  v.algorithm = a < 6 ? Algorithm::maglev : a < 8 ? Algorithm::source_hash : Algorithm::rotation;
  v.ring_size = sizes[rng.below(4)];
  v.persistence_timeout = rng.chance(15) ? 300 : 0;
}

// One sync's worth of changes to the model.
void mutate(std::map<std::string, VipSpec>& model, Rng& rng) {
  const int changes = 1 + rng.below(4);
  for (int c = 0; c < changes; ++c) {
    const int what = rng.below(10);
    if (model.empty() || what < 3) {  // add (or replace a VIP at the same key)
      VipSpec v = random_vip(rng);
      randomize_backends(v, rng);
      randomize_scheduling(v, rng);
      model[v.key()] = v;
      continue;
    }
    auto it = model.begin();
    std::advance(it, rng.below(static_cast<int>(model.size())));
    VipSpec& v = it->second;
    switch (what) {
      case 3: model.erase(it); break;  // removed; with an add in the same sync it is a replacement
      case 4: randomize_backends(v, rng); break;
      case 5:  // health: one backend leaves or comes back
        if (!v.backends.empty() && rng.chance(50))
          v.backends.erase(v.backends.begin() + rng.below(static_cast<int>(v.backends.size())));
        else
          v.backends.push_back(backend(backend_ip(1 + rng.below(kBackends), !v.address.is_ipv4()), v.port));
        {  // a backend listed twice is not a state the agent produces
          std::set<std::string> seen;
          std::vector<BackendSpec> unique;
          for (const auto& b : v.backends)
            if (seen.insert(b.key()).second) unique.push_back(b);
          v.backends = unique;
        }
        break;
      case 6:  // drain / undrain / reweight
        for (auto& b : v.backends)
          if (rng.chance(40)) b.weight = rng.chance(30) ? 0 : static_cast<uint32_t>(1 + rng.below(5));
        break;
      case 7: v.active = !v.active; break;
      case 8: randomize_scheduling(v, rng); break;
      default: {  // a second VIP replaced by a third in the same sync: the reused-id case
        model.erase(it);
        VipSpec n = random_vip(rng);
        randomize_backends(n, rng);
        randomize_scheduling(n, rng);
        model[n.key()] = n;
      }
    }
  }
}

std::vector<VipSpec> specs_of(const std::map<std::string, VipSpec>& model) {
  std::vector<VipSpec> out;
  for (const auto& [key, v] : model) out.push_back(v);
  return out;
}

// The backend numbers (1..13) a ring holds, decoded here element by element (not by the data
// plane's reader), through the live backend records.
std::set<int> ring_members(LbFixture& lb, const VipSpec& v, std::string& problem) {
  const auto maps = lb.dp().program().maps();
  const xdplb_vip_key key = xdplb::dataplane::vip_key_of(v);
  xdplb_vip value{};
  if (bpf_map_lookup_elem(maps.vips, &key, &value) != 0) {
    problem = "no VIP entry";
    return {};
  }
  __u32 inner_id = 0;
  if (bpf_map_lookup_elem(maps.rings, &value.vip_id, &inner_id) != 0) {
    problem = "no ring";
    return {};
  }
  const int inner = bpf_map_get_fd_by_id(inner_id);
  // One batched read of the inner array (not the data plane's mmap), then each distinct id once.
  const uint32_t elements = XDPLB_RING_ENTRIES(value.ring_size);
  std::vector<__u32> keys(elements);
  std::vector<xdplb_ring_slots> slots(elements);
  __u32 out_batch = 0, count = elements;
  const int err = bpf_map_lookup_batch(inner, nullptr, &out_batch, keys.data(), slots.data(), &count, nullptr);
  if ((err != 0 && errno != ENOENT) || count < elements) problem = "ring elements unreadable";
  std::set<__u32> ids;
  for (uint32_t slot = 0; slot < value.ring_size && slot / XDPLB_RING_SLOTS_PER_ENTRY < count; ++slot) {
    const auto id = slots[slot / XDPLB_RING_SLOTS_PER_ENTRY].id[slot % XDPLB_RING_SLOTS_PER_ENTRY];
    if (id != XDPLB_RING_NO_BACKEND) ids.insert(id);
  }
  std::set<int> members;
  for (const __u32 id : ids) {
    xdplb_backend rec{};
    if (bpf_map_lookup_elem(maps.backends, &id, &rec) != 0 || !(rec.flags & XDPLB_BACKEND_F_IN_SERVICE)) {
      problem = "ring holds backend id " + std::to_string(id) + ", out of service";
      continue;
    }
    if (rec.vip_id != value.vip_id) problem = "ring holds a backend of another VIP";
    members.insert(rec.mac[5]);  // backend_mac(n) ends in n
  }
  close(inner);
  return members;
}

std::set<int> in_ring_expected(const VipSpec& v) {
  std::set<int> out;
  for (const auto& b : v.backends) {
    if (b.weight == 0) continue;
    const std::string ip = b.address.to_string();
    for (int n = 1; n <= kBackends; ++n)
      if (ip == xdplb::config::IpAddress::parse(backend_ip(n, !v.address.is_ipv4()))->to_string()) out.insert(n);
  }
  return out;
}

std::string describe(const std::map<std::string, VipSpec>& model) {
  std::ostringstream os;
  for (const auto& [key, v] : model) {
    os << key << (v.active ? "" : " (inactive)") << " " << to_string(v.algorithm) << "/" << v.ring_size << ":";
    for (const auto& b : v.backends) os << " " << b.key() << "*" << b.weight;
    if (v.sorry_server) os << " sorry " << v.sorry_server->key();
    os << "\n";
  }
  return os.str();
}

// The model's answer for a new flow to `v`: the set of backends it may go to, or a verdict.
void check_packets(LbFixture& lb, const VipSpec& v, uint16_t& next_port, int& failures) {
  const std::set<int> ring = in_ring_expected(v);
  std::set<int> allowed = ring;
  if (v.persistence_timeout)  // an earlier client of this VIP may stay on any backend still in service
    for (const auto& b : v.backends)
      for (int n = 1; n <= kBackends; ++n)
        if (b.address.to_string() == xdplb::config::IpAddress::parse(backend_ip(n, !v.address.is_ipv4()))->to_string())
          allowed.insert(n);
  const uint16_t dport = v.port ? v.port : kAnyPortProbe;
  for (int i = 0; i < 3; ++i) {
    const auto r = lb.run(client_frame(v.address.to_string(), dport, next_port++, 1 + i, v.protocol));
    const int chosen = LbFixture::backend_of(r);
    bool ok;
    if (!v.active)
      ok = r.verdict == XDP_PASS;
    else if (!ring.empty())
      ok = (r.verdict == XDP_TX || r.verdict == XDP_REDIRECT) && allowed.count(chosen);
    else if (v.sorry_server)
      ok = (r.verdict == XDP_TX || r.verdict == XDP_REDIRECT) && chosen == kSorry;
    else
      ok = r.verdict == XDP_DROP;
    if (!ok) {
      ++failures;
      MESSAGE(v.key() << ": verdict " << verdict_name(r.verdict) << ", backend " << chosen);
    }
  }
}

}  // namespace

TEST_CASE("randomized sync sequences: after every sync the live maps serve exactly the model") {
  LbFixture lb;
  lb.add_backends(kSorry);
  constexpr int kSequences = 200;
  constexpr int kSteps = 8;
  uint16_t next_port = 1024;
  int syncs = 0;
  for (int seq = 0; seq < kSequences; ++seq) {
    Rng rng{std::mt19937(static_cast<unsigned>(seq))};
    std::map<std::string, VipSpec> model, before;
    for (int step = 0; step <= kSteps; ++step) {
      before = model;
      if (step < kSteps)
        mutate(model, rng);
      else
        model.clear();  // every sequence ends empty: nothing may be left behind for the next
      // Now and then a small ring budget: the sync is then finished by further calls, as the agent does.
      xdplb::dataplane::SyncBudget budget;
      if (rng.chance(30)) budget.ring_changes = static_cast<std::size_t>(rng.below(3));
      auto report = lb.dp().sync(specs_of(model), budget);
      for (int more = 0; report.deferred > 0 && more < 20; ++more) {
        report = lb.dp().sync(specs_of(model), budget.ring_changes ? budget : xdplb::dataplane::SyncBudget{1});
        ++syncs;
      }
      REQUIRE(report.deferred == 0);
      ++syncs;
      CAPTURE(seq);
      CAPTURE(step);
      INFO("model:\n" << describe(model));
      REQUIRE(report.refused.empty());
      REQUIRE(report.unresolved.empty());

      const auto found = lb.dp().verify(specs_of(model));
      for (const auto& d : found) MESSAGE("verify: " << d.subject << ": " << d.problem);
      REQUIRE(found.empty());

      int failures = 0;
      for (const auto& [key, v] : model) {
        std::string problem;
        const auto members = ring_members(lb, v, problem);
        if (!problem.empty() || members != in_ring_expected(v)) {
          ++failures;
          MESSAGE(key << ": ring " << (problem.empty() ? "members differ" : problem));
        }
        check_packets(lb, v, next_port, failures);
      }
      for (const auto& [key, v] : before) {  // removed VIPs are no longer served
        if (model.count(key)) continue;
        bool shadowed = false;  // a port-0 VIP of the same address and protocol takes its traffic
        for (const auto& [k, m] : model)
          shadowed |= m.port == 0 && m.address == v.address && m.protocol == v.protocol;
        if (shadowed) continue;
        const auto r = lb.run(client_frame(v.address.to_string(), v.port ? v.port : kAnyPortProbe, next_port++, 1, v.protocol));
        if (r.verdict != XDP_PASS) {
          ++failures;
          MESSAGE(key << " was removed but the verdict is " << verdict_name(r.verdict));
        }
      }
      REQUIRE(failures == 0);
    }
  }
  MESSAGE(syncs << " syncs checked");
}

TEST_CASE("a sync that removes one VIP and adds another serves the new one (its id is not the removed one's)") {
  LbFixture lb;
  lb.add_backends(2);
  lb.sync({vip("198.18.5.1", 80, {backend(backend_ip(1))})});
  lb.sync({vip("198.18.8.200", 80, {backend(backend_ip(2))})});
  CHECK(lb.dp().verify({vip("198.18.8.200", 80, {backend(backend_ip(2))})}).empty());
  const auto r = lb.run(client_frame("198.18.8.200", 80, 40000));
  CHECK(verdict_name(r.verdict) == std::string("XDP_TX"));
  CHECK(LbFixture::backend_of(r) == 2);
  CHECK(lb.run(client_frame("198.18.5.1", 80, 40001)).verdict == XDP_PASS);
}

TEST_CASE("verify reports what was changed behind the data plane's back") {
  LbFixture lb;
  lb.add_backends(3);
  const std::vector<VipSpec> desired = {vip("198.18.5.1", 80, {backend(backend_ip(1)), backend(backend_ip(2))}),
                                        vip("198.18.5.2", 0, {backend(backend_ip(3))})};
  lb.sync(desired);
  REQUIRE(lb.dp().verify(desired).empty());
  const auto maps = lb.dp().program().maps();
  auto problems = [&] {
    std::vector<std::string> out;
    for (const auto& d : lb.dp().verify(desired)) out.push_back(d.subject + ": " + d.problem);
    return out;
  };
  auto mentions = [](const std::vector<std::string>& list, const std::string& what) {
    for (const auto& p : list)
      if (p.find(what) != std::string::npos) return true;
    return false;
  };

  SUBCASE("a ring deleted") {
    xdplb_vip value{};
    const auto key = xdplb::dataplane::vip_key_of(desired[0]);
    REQUIRE(bpf_map_lookup_elem(maps.vips, &key, &value) == 0);
    REQUIRE(bpf_map_delete_elem(maps.rings, &value.vip_id) == 0);
    CHECK(mentions(problems(), "tcp/198.18.5.1:80: no ring"));
  }
  SUBCASE("a backend taken out of service") {
    for (__u32 id = 0; id < 3; ++id) {
      xdplb_backend rec{};
      REQUIRE(bpf_map_lookup_elem(maps.backends, &id, &rec) == 0);
      rec.flags = 0;
      REQUIRE(bpf_map_update_elem(maps.backends, &id, &rec, BPF_ANY) == 0);
    }
    CHECK(mentions(problems(), "out of service"));
  }
  SUBCASE("a VIP nobody wants") {
    auto stray = xdplb::dataplane::vip_key_of(vip("198.18.9.9", 80, {}));
    xdplb_vip value{};
    value.vip_id = 77;
    value.ring_size = 251;
    REQUIRE(bpf_map_update_elem(maps.vips, &stray, &value, BPF_ANY) == 0);
    CHECK(mentions(problems(), "tcp/198.18.9.9:80: in xdplb_vips but not wanted"));
  }
  SUBCASE("a ring no VIP uses") {
    bpf_map_create_opts opts{};
    opts.sz = sizeof(opts);
    opts.map_flags = BPF_F_INNER_MAP | BPF_F_MMAPABLE;
    const int ring = bpf_map_create(BPF_MAP_TYPE_ARRAY, "stray", 4, sizeof(xdplb_ring_slots), 64, &opts);
    REQUIRE(ring >= 0);
    const __u32 slot = 99, fd = static_cast<__u32>(ring);
    REQUIRE(bpf_map_update_elem(maps.rings, &slot, &fd, BPF_ANY) == 0);
    close(ring);
    CHECK(mentions(problems(), "xdplb_rings[99]: a ring no VIP uses"));
  }
  SUBCASE("the port-0 count lost") {
    xdplb_settings s{};
    const __u32 zero = 0;
    REQUIRE(bpf_map_lookup_elem(maps.settings, &zero, &s) == 0);
    s.port_any_vips = 0;
    REQUIRE(bpf_map_update_elem(maps.settings, &zero, &s, BPF_ANY) == 0);
    CHECK(mentions(problems(), "port_any_vips is 0, 1 port-0 VIPs"));
  }
  SUBCASE("a backend the model does not have") {
    auto more = desired;
    more[0].backends.push_back(backend(backend_ip(3)));
    CHECK(mentions([&] {
      std::vector<std::string> out;
      for (const auto& d : lb.dp().verify(more)) out.push_back(d.subject + ": " + d.problem);
      return out;
    }(), "tcp/198.18.5.1:80 198.18.0.13:80: not in the ring"));
  }
}

TEST_CASE("a sync past its ring budget applies the rest at once and leaves new rings for the next call") {
  LbFixture lb;
  lb.add_backends(3);
  auto a = vip("198.18.5.1", 80, {backend(backend_ip(1))});
  auto b = vip("198.18.5.2", 80, {backend(backend_ip(1))});
  lb.sync({a, b});
  // Both VIPs get a new backend set, and both become inactive (this node turned backup).
  a.backends = {backend(backend_ip(2))};
  b.backends = {backend(backend_ip(3))};
  a.active = b.active = false;
  xdplb::dataplane::SyncBudget one;
  one.ring_changes = 1;
  auto report = lb.dp().sync({a, b}, one);
  CHECK(report.deferred == 1);
  // Activity is never held back: both pass to the stack now.
  CHECK(lb.run(client_frame("198.18.5.1", 80, 40000)).verdict == XDP_PASS);
  CHECK(lb.run(client_frame("198.18.5.2", 80, 40001)).verdict == XDP_PASS);
  // One VIP has its new ring; the other still serves from its old one (verify says so).
  a.active = b.active = true;
  report = lb.dp().sync({a, b}, xdplb::dataplane::SyncBudget{0});
  CHECK(report.deferred == 1);  // the other one: the first already has its ring
  const auto found = lb.dp().verify({a, b});
  CHECK(found.size() >= 1);
  std::set<int> served{LbFixture::backend_of(lb.run(client_frame("198.18.5.1", 80, 40002))),
                       LbFixture::backend_of(lb.run(client_frame("198.18.5.2", 80, 40003)))};
  CHECK(served.count(1) == 1);  // the held VIP's old backend
  // A new VIP past the budget waits whole: not served until a later sync.
  auto c = vip("198.18.5.3", 80, {backend(backend_ip(3))});
  report = lb.dp().sync({a, b, c}, xdplb::dataplane::SyncBudget{0});
  CHECK(report.deferred == 2);
  CHECK(lb.run(client_frame("198.18.5.3", 80, 40004)).verdict == XDP_PASS);
  report = lb.dp().sync({a, b, c});
  CHECK(report.deferred == 0);
  CHECK(lb.dp().verify({a, b, c}).empty());
  CHECK(LbFixture::backend_of(lb.run(client_frame("198.18.5.1", 80, 40005))) == 2);
  CHECK(LbFixture::backend_of(lb.run(client_frame("198.18.5.2", 80, 40006))) == 3);
  CHECK(LbFixture::backend_of(lb.run(client_frame("198.18.5.3", 80, 40007))) == 3);
}
