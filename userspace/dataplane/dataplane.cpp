#include "dataplane/dataplane.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <net/if.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include <spdlog/spdlog.h>

#include "common/unique_fd.h"
#include "dataplane/bpffs.h"
#include "dataplane/maglev.h"
#include "dataplane/live_maps.h"
#include "dataplane/ring_table.h"

namespace xdplb::dataplane {

namespace {

// The VIPs of one sync whose rings have one shape. A ring built with positions 0..n-1 for ids
// becomes the ring of each of them by replacing every position with that VIP's id.
struct ShapeBuilds {
  std::vector<std::size_t> builds;       // indexes into PendingWrites::ring_builds
  std::vector<std::uint32_t> positions;  // 0..n-1: the ids of a ring shared by several VIPs
  std::vector<std::uint32_t> ring;       // of positions
};

// One ring to compute: a shape shared by several VIPs (positions) or a VIP's own (its ids).
struct RingJob {
  const RingShape* shape;
  std::span<const std::uint32_t> ids;
  std::vector<std::uint32_t>* ring;
};

// Runs build(item) for every item, on every core; the first exception is rethrown after all stop.
template <typename Item, typename Build>
void build_in_parallel(std::vector<Item>& items, Build build) {
  const std::size_t workers = std::min<std::size_t>(std::max(1u, std::thread::hardware_concurrency()), items.size());
  if (workers <= 1) {
    for (auto& item : items) build(item);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::vector<std::exception_ptr> errors(workers);
  std::vector<std::thread> threads;
  for (std::size_t w = 0; w < workers; ++w)
    threads.emplace_back([&, w] {
      try {
        for (std::size_t i; (i = next++) < items.size();) build(items[i]);
      } catch (...) {
        errors[w] = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

std::string errno_text() { return std::strerror(errno); }

void update_or_throw(int fd, const void* key, const void* value, const char* what) {
  if (bpf_map_update_elem(fd, key, value, BPF_ANY) != 0)
    throw std::runtime_error(std::string("update ") + what + ": " + errno_text());
}

std::uint8_t family_of(const config::IpAddress& a) { return a.is_ipv4() ? XDPLB_FAMILY_V4 : XDPLB_FAMILY_V6; }

void copy_address(__u32 (&dst)[4], const config::IpAddress& a) {
  std::memset(dst, 0, sizeof(dst));
  std::memcpy(dst, a.bytes.data(), a.is_ipv4() ? 4 : 16);
}


template <typename T>
std::vector<T> read_percpu(int fd, std::uint32_t key) {
  const int ncpus = libbpf_num_possible_cpus();
  std::vector<T> values(static_cast<std::size_t>(std::max(ncpus, 1)));
  if (bpf_map_lookup_elem(fd, &key, values.data()) != 0) values.assign(values.size(), T{});
  return values;
}

TrafficCounters sum_traffic(int fd, std::uint32_t id) {
  TrafficCounters t;
  for (const auto& v : read_percpu<xdplb_traffic>(fd, id)) {
    t.packets += v.packets;
    t.bytes += v.bytes;
    t.new_flows += v.new_flows;
  }
  return t;
}

}  // namespace

xdplb_vip_key vip_key_of(const VipSpec& spec) {
  xdplb_vip_key key{};
  copy_address(key.addr, spec.address);
  key.port = htons(spec.port);
  key.proto = spec.protocol;
  key.family = family_of(spec.address);
  return key;
}

Dataplane::Dataplane(DataplaneOptions options, std::unique_ptr<NextHopResolver> resolver)
    : options_(std::move(options)), resolver_(std::move(resolver)), generations_(XDPLB_MAX_BACKENDS, 0) {
  ensure_bpffs_mounted();
  program_ = XdpProgram::load(pin_dir_for_instance(options_.instance), options_.map_sizes);
  maps_ = program_->maps();
  if (program_->reused_pins()) adopt_pinned_state();
  adopt_nat_reverse();
  settings_.port_any_vips = 0;
  for (const auto& [key, vip] : vips_) settings_.port_any_vips += vip.spec.port == 0;  // adopted VIPs
  set_flood_rate(options_.flood_rate);
}

std::uint32_t auto_flood_rate(std::uint32_t conntrack_size, int cpus) {
  constexpr std::uint32_t kFloor = 1000;  // a tiny table still records a trickle of new flows
  const auto share = conntrack_size / static_cast<std::uint32_t>(std::max(cpus, 1));
  return std::max(kFloor, share / kFloodTurnoverSeconds);
}

void Dataplane::set_flood_rate(std::optional<std::uint32_t> rate) {
  xdplb_settings next = settings_;
  next.flood_rate = rate ? *rate : auto_flood_rate(options_.map_sizes.conntrack, libbpf_num_possible_cpus());
  program_->write_settings(next);  // throws: nothing changed
  settings_ = next;
  options_.flood_rate = rate;
}

void Dataplane::write_settings() { program_->write_settings(settings_); }

Dataplane::~Dataplane() {
  if (keep_pins_) {
    program_->leave_attached();
    spdlog::info("maps left pinned under {} and the program attached, for the next run", program_->pin_dir());
    return;
  }
  program_->detach_all();
  program_->unpin_maps();
}

AttachMode Dataplane::attach(const std::string& ifname, OnForeignProgram on_foreign) {
  const unsigned ifindex = if_nametoindex(ifname.c_str());
  if (ifindex == 0) throw std::runtime_error("interface " + ifname + " not found");
  for (const auto& a : attachments_)
    if (a.ifindex == static_cast<int>(ifindex)) return a.mode;
  if (on_foreign == OnForeignProgram::refuse)
    if (const auto other = program_->foreign_program_on(static_cast<int>(ifindex)); other != 0)
      throw std::runtime_error("another XDP program (id " + std::to_string(other) + ") runs on " + ifname +
                               "; xdplb does not replace a program on an interface it was not told to serve");
  const AttachMode used = program_->attach(static_cast<int>(ifindex), options_.attach_mode);
  attachments_.push_back({ifname, static_cast<int>(ifindex), used});
  spdlog::info("XDP program attached to {} ({} mode)", ifname, to_string(used));
  return used;
}

void Dataplane::detach_all() {
  program_->detach_all();
  attachments_.clear();
}

// A restarted agent finds the maps of its previous run: it takes over their ids and generations so
// the rings it rebuilds hold the same ids and every conntrack entry stays valid.
void Dataplane::adopt_pinned_state() {
  std::map<std::uint32_t, std::vector<std::pair<std::uint32_t, xdplb_backend>>> by_vip;
  for (std::uint32_t id = 0; id < XDPLB_MAX_BACKENDS; ++id) {
    xdplb_backend rec{};
    if (bpf_map_lookup_elem(maps_.backends, &id, &rec) != 0) continue;
    generations_[id] = rec.generation;
    if (rec.flags & XDPLB_BACKEND_F_IN_SERVICE) by_vip[rec.vip_id].emplace_back(id, rec);
  }
  xdplb_vip_key key{}, next{};
  const void* prev = nullptr;
  while (bpf_map_get_next_key(maps_.vips, prev, &next) == 0) {
    key = next;
    prev = &key;
    xdplb_vip value{};
    if (bpf_map_lookup_elem(maps_.vips, &key, &value) != 0) continue;
    InstalledVip vip;
    vip.id = value.vip_id;
    vip.value = value;
    vip.spec.address = address_from(key.addr, key.family);
    vip.spec.port = ntohs(key.port);
    vip.spec.protocol = key.proto;
    vip.spec.ring_size = value.ring_size;
    vip_ids_.claim(vip.id);
    for (const auto& [id, rec] : by_vip[vip.id]) {
      InstalledBackend b;
      b.id = id;
      b.spec.address = address_from(rec.addr, rec.family);
      b.spec.port = ntohs(rec.port);
      b.resolved = rec.ifindex != 0;
      b.record = rec;
      const bool sorry = (value.flags & XDPLB_VIP_F_SORRY) && value.sorry_backend == id;
      backend_ids_.claim(id);
      if (b.resolved) tx_ports_.insert(static_cast<int>(rec.ifindex));
      const BackendKey bkey(sorry ? BackendRole::sorry_server : BackendRole::real_server, b.spec);
      vip.backends.emplace(bkey, std::move(b));
    }
    spdlog::info("adopted pinned VIP {} (id {}, {} backends) from an earlier run", vip.spec.key(), vip.id,
                 vip.backends.size());
    vips_.emplace(vip.spec.key(), std::move(vip));
  }
}

// One sync writes in this order, so a packet never meets a half-made state:
//   1. backend records of new and changed backends (nothing points at new ids yet);
//   2. VIP values whose ring shrinks (their size drops before the smaller ring arrives);
//   3. every new ring, swapped in with one batch update of the outer map: the kernel waits one RCU
//      grace period per update call, not per ring;
//   4. VIP values of new VIPs and of rings that stay or grow (their ring is already in place);
//   5. removed VIPs (stop matching), then their rings; then retired backends are flagged out of
//      service and their ids given back, and the removed VIPs' ids -- only now, so no old ring can
//      point at a reused backend id and no new VIP's ring sits in a slot about to be emptied.
SyncReport Dataplane::sync(const std::vector<VipSpec>& desired, SyncBudget budget) {
  SyncReport report;
  PendingWrites pending;
  resolver_->refresh();

  std::map<std::string, const VipSpec*> wanted;
  for (const auto& spec : desired) {
    if (!wanted.emplace(spec.key(), &spec).second) report.refused.push_back(spec.key() + ": listed twice");
  }
  {
    std::vector<const VipSpec*> specs;
    for (const auto& [key, spec] : wanted) specs.push_back(spec);
    nat_ambiguous_ = nat_ambiguous_keys(specs);
  }
  for (auto it = vips_.begin(); it != vips_.end();) {
    if (wanted.count(it->first)) {
      ++it;
      continue;
    }
    remove_vip(it->second, pending);
    it = vips_.erase(it);
  }
  std::vector<VipSpec> held;  // VIPs past the budget: their new settings over their installed ring inputs
  held.reserve(wanted.size());
  for (auto& [key, spec] : wanted) {
    const auto installed = vips_.find(key);
    const bool new_ring = installed == vips_.end() || !spec->same_ring_inputs(installed->second.spec);
    if (!new_ring) continue;
    if (budget.ring_changes > 0) {
      --budget.ring_changes;
      continue;
    }
    ++report.deferred;
    if (installed == vips_.end()) {  // a new VIP waits whole: it is not served yet
      spec = nullptr;
      continue;
    }
    VipSpec now = *spec;
    now.algorithm = installed->second.spec.algorithm;
    now.ring_size = installed->second.spec.ring_size;
    now.backends = installed->second.spec.backends;
    held.push_back(std::move(now));
    spec = &held.back();
  }
  for (const auto& [key, spec] : wanted)
    if (spec) sync_vip(*spec, pending, report);
  build_rings(pending);
  report.rings_built = pending.ring_builds.size();
  try {
    apply(pending, report);
  } catch (...) {
    update_port_any_vips();  // some VIP writes may have landed: the count follows what vips_ holds
    throw;
  }
  update_port_any_vips();
  sync_nat_reverse(report);
  return report;
}

// The reverse table follows the VIPs installed now (with their ids). New and changed entries are
// written before the settings count them, removed ones deleted after: a lookup may miss, never
// find a stale VIP for long.
void Dataplane::sync_nat_reverse(SyncReport& report) {
  std::vector<NatServedVip> served;
  for (const auto& [key, vip] : vips_) served.push_back({&vip.spec, vip.id});
  const NatReverseTable table = build_nat_reverse(served, nat_ambiguous_);
  for (const auto& [bytes, value] : table.entries) {
    const auto it = nat_reverse_.find(bytes);
    if (it != nat_reverse_.end() && std::memcmp(&it->second, &value, sizeof(value)) == 0) continue;
    update_or_throw(maps_.nat_reverse, bytes.data(), &value, "NAT reverse entry");
    nat_reverse_[bytes] = value;
    ++report.map_writes;
  }
  const auto count = static_cast<std::uint32_t>(table.entries.size());
  if (settings_.nat_reverse != count || settings_.nat_port_any != table.port_any) {
    settings_.nat_reverse = count;
    settings_.nat_port_any = table.port_any;
    write_settings();
  }
  for (auto it = nat_reverse_.begin(); it != nat_reverse_.end();) {
    if (table.entries.count(it->first)) {
      ++it;
      continue;
    }
    bpf_map_delete_elem(maps_.nat_reverse, it->first.data());
    ++report.map_writes;
    it = nat_reverse_.erase(it);
  }
}

// What an earlier run left (or nothing): the next sync diffs against it and deletes what is stale.
void Dataplane::adopt_nat_reverse() {
  for (const auto& [key, value] : read_live_nat_reverse(maps_.nat_reverse)) nat_reverse_[bytes_of(key)] = value;
}

std::set<int> Dataplane::nat_interfaces_unattached() const {
  std::set<int> out = nat_interfaces();
  for (const auto& a : attachments_) out.erase(a.ifindex);
  return out;
}

std::set<int> Dataplane::nat_interfaces() const {
  std::set<int> out;
  for (const auto& [key, vip] : vips_)
    for (const auto& [bkey, b] : vip.backends)
      if (b.record.forward == XDPLB_FWD_NAT && b.record.ifindex != 0) out.insert(static_cast<int>(b.record.ifindex));
  return out;
}

// After the VIP writes: a new port-0 VIP is looked up from here on (until now its packets passed to
// the stack, as before it existed); a removed one costs a second lookup until here.
void Dataplane::update_port_any_vips() {
  std::uint32_t port_any = 0;
  for (const auto& [key, vip] : vips_) port_any += vip.spec.port == 0;
  if (port_any == settings_.port_any_vips) return;
  settings_.port_any_vips = port_any;
  write_settings();
}

void Dataplane::remove_vip(InstalledVip& vip, PendingWrites& pending) {
  pending.removed_vips.push_back(vip_key_of(vip.spec));
  pending.removed_rings.push_back(vip.id);
  for (auto& [bkey, backend] : vip.backends) pending.retired.push_back(backend);
  // Not given back yet: a VIP added by the same sync must not take this id, or its new ring would
  // land in the slot that apply() empties afterwards (the removed VIP's).
  pending.released_vip_ids.push_back(vip.id);
  spdlog::info("VIP {} removed from the data plane", vip.spec.key());
}

// Rings are pure computation and the first sync of a large configuration builds a thousand of them:
// each distinct shape is built once (VIPs over the same pool share it), on every core, the loop
// waiting (the maps are written only after, in order).
void Dataplane::build_rings(PendingWrites& pending) {
  auto& builds = pending.ring_builds;
  const auto by_value = [](const RingShape* a, const RingShape* b) { return *a < *b; };
  std::map<const RingShape*, std::size_t, decltype(by_value)> shape_index(by_value);
  std::vector<ShapeBuilds> shapes;
  for (std::size_t i = 0; i < builds.size(); ++i) {
    const auto [it, added] = shape_index.try_emplace(&builds[i].vip->ring_inputs.shape, shapes.size());
    if (added) shapes.emplace_back();
    shapes[it->second].builds.push_back(i);
  }
  std::vector<RingJob> jobs;
  for (auto& shape : shapes) {
    RingBuild& first = builds[shape.builds.front()];
    const RingInputs& inputs = first.vip->ring_inputs;
    if (shape.builds.size() == 1) {
      jobs.push_back({&inputs.shape, inputs.ids, &first.ring});
      continue;
    }
    shape.positions.resize(inputs.ids.size());
    for (std::uint32_t p = 0; p < shape.positions.size(); ++p) shape.positions[p] = p;
    jobs.push_back({&inputs.shape, shape.positions, &shape.ring});
  }
  build_in_parallel(jobs, [](RingJob& job) { *job.ring = build_ring(*job.shape, job.ids); });

  std::vector<std::uint32_t> translated;  // one buffer for every VIP of a shared shape
  for (const auto& shape : shapes) {
    for (const std::size_t i : shape.builds) {
      RingBuild& b = builds[i];
      const std::vector<std::uint32_t>* ring = &b.ring;
      if (shape.builds.size() > 1) {
        const auto& ids = b.vip->ring_inputs.ids;
        translated.resize(shape.ring.size());
        for (std::size_t slot = 0; slot < shape.ring.size(); ++slot)
          translated[slot] = shape.ring[slot] == kNoBackend ? kNoBackend : ids[shape.ring[slot]];
        ring = &translated;
      }
      const std::uint64_t digest = ring_digest(*ring);
      if (digest == b.vip->ring_digest) continue;  // same ring as in the map (e.g. adopted after a restart)
      pending.ring_ids.push_back(b.vip->id);
      pending.ring_fds.push_back(make_ring(*ring));
      b.vip->ring_digest = digest;
    }
  }
}

void Dataplane::apply(PendingWrites& pending, SyncReport& report) {
  for (const auto& [key, value] : pending.vips_before_rings) update_or_throw(maps_.vips, &key, &value, "VIP");
  report.map_writes += pending.vips_before_rings.size();

  if (!pending.ring_ids.empty()) {
    std::vector<__u32> fds;
    for (const auto& fd : pending.ring_fds) fds.push_back(static_cast<__u32>(fd.get()));
    auto count = static_cast<__u32>(pending.ring_ids.size());
    if (bpf_map_update_batch(maps_.rings, pending.ring_ids.data(), fds.data(), &count, nullptr) != 0)
      throw std::runtime_error("swap " + std::to_string(pending.ring_ids.size()) + " ring(s): " + errno_text());
    report.map_writes += pending.ring_ids.size();
    report.rings_swapped += pending.ring_ids.size();
  }

  for (const auto& [key, value] : pending.vips_after_rings) update_or_throw(maps_.vips, &key, &value, "VIP");
  report.map_writes += pending.vips_after_rings.size();

  for (const auto& key : pending.removed_vips) bpf_map_delete_elem(maps_.vips, &key);
  if (!pending.removed_rings.empty()) {
    auto count = static_cast<__u32>(pending.removed_rings.size());
    if (bpf_map_delete_batch(maps_.rings, pending.removed_rings.data(), &count, nullptr) != 0)
      for (const auto id : pending.removed_rings) bpf_map_delete_elem(maps_.rings, &id);
  }
  report.map_writes += pending.removed_vips.size() + pending.removed_rings.size();

  // Flows pinned to a retired backend re-choose on their next packet; the generation protects
  // against the id's reuse.
  for (auto& backend : pending.retired) {
    backend.record.flags = 0;
    update_or_throw(maps_.backends, &backend.id, &backend.record, "backend");
    backend_ids_.give_back(backend.id);
  }
  report.map_writes += pending.retired.size();
  for (const auto id : pending.released_vip_ids) vip_ids_.give_back(id);
}

void Dataplane::ensure_tx_port(int ifindex, SyncReport& report) {
  if (tx_ports_.count(ifindex)) return;
  const __u32 key = static_cast<__u32>(ifindex);
  update_or_throw(maps_.tx_ports, &key, &key, "tx port");
  ++report.map_writes;
  tx_ports_.insert(ifindex);
}

void Dataplane::zero_traffic(int map_fd, std::uint32_t id) {
  std::vector<xdplb_traffic> zeros(static_cast<std::size_t>(std::max(libbpf_num_possible_cpus(), 1)));
  bpf_map_update_elem(map_fd, &id, zeros.data(), BPF_ANY);
}

bool Dataplane::sync_backend(InstalledVip& vip, const BackendKey& key, const BackendSpec& spec,
                             SyncReport& report) {
  auto it = vip.backends.find(key);
  if (it == vip.backends.end()) {
    const auto id = backend_ids_.take();
    if (!id) {
      report.refused.push_back(vip.spec.key() + " " + to_string(key) + ": more than " +
                               std::to_string(XDPLB_MAX_BACKENDS) + " backends");
      return false;
    }
    InstalledBackend b;
    b.id = *id;
    b.record.generation = ++generations_[*id];
    copy_address(b.record.addr, spec.address);
    b.record.family = family_of(spec.address);
    b.record.port = htons(spec.port);
    b.record.vip_id = vip.id;
    b.record.forward = XDPLB_FWD_DR;
    zero_traffic(maps_.backend_stats, *id);
    it = vip.backends.emplace(key, std::move(b)).first;
  }
  InstalledBackend& b = it->second;
  b.spec = spec;

  xdplb_backend record = b.record;
  const bool nat = spec.forward == ForwardMethod::nat;
  record.forward = nat ? XDPLB_FWD_NAT : XDPLB_FWD_DR;
  record.flags = XDPLB_BACKEND_F_IN_SERVICE |
                 (nat && nat_ambiguous_.count(bytes_of(nat_key_of(spec, vip.spec.protocol))) ? XDPLB_BACKEND_F_NAT_AMBIGUOUS
                                                                                             : 0);
  if (auto hop = resolver_->resolve(spec.address)) {
    record.ifindex = static_cast<__u32>(hop->ifindex);
    std::memcpy(record.mac, hop->mac.data(), 6);
    std::memcpy(record.src_mac, hop->src_mac.data(), 6);
    b.resolved = true;
  } else if (!b.resolved) {
    report.unresolved.push_back(vip.spec.key() + " " + to_string(key));
    return false;  // nothing to write until its MAC is known: it is in no ring
  }
  // A MAC that disappeared from the neighbour table keeps its last known value: no flapping.
  ensure_tx_port(static_cast<int>(record.ifindex), report);
  if (std::memcmp(&record, &b.record, sizeof(record)) != 0 || !(b.record.flags & XDPLB_BACKEND_F_IN_SERVICE)) {
    update_or_throw(maps_.backends, &b.id, &record, "backend");
    ++report.map_writes;
    b.record = record;
  }
  return true;
}

UniqueFd Dataplane::make_ring(const std::vector<std::uint32_t>& ring) const {
  bpf_map_create_opts opts{};
  opts.sz = sizeof(opts);
  opts.map_flags = BPF_F_INNER_MAP | BPF_F_MMAPABLE;
  if (const auto [key_type, value_type] = program_->ring_btf_types(); key_type != 0 && value_type != 0) {
    opts.btf_fd = static_cast<__u32>(program_->btf_fd());
    opts.btf_key_type_id = key_type;
    opts.btf_value_type_id = value_type;
  }
  const auto entries = static_cast<std::uint32_t>(XDPLB_RING_ENTRIES(ring.size()));
  UniqueFd fd(bpf_map_create(BPF_MAP_TYPE_ARRAY, "xdplb_ring", sizeof(__u32), sizeof(xdplb_ring_slots), entries,
                             &opts));
  if (!fd) throw std::runtime_error("create ring map of " + std::to_string(ring.size()) + " slots: " + errno_text());
  // 8-byte elements are laid out back to back: the ring is one array of 16-bit slots.
  const std::size_t bytes = std::size_t{entries} * sizeof(xdplb_ring_slots);
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const std::size_t mapped = (bytes + page - 1) / page * page;
  void* mem = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (mem == MAP_FAILED) throw std::runtime_error("mmap ring map: " + errno_text());
  auto* slots = static_cast<std::uint16_t*>(mem);
  for (std::size_t i = 0; i < ring.size(); ++i)
    slots[i] = ring[i] == XDPLB_NO_BACKEND ? XDPLB_RING_NO_BACKEND : static_cast<std::uint16_t>(ring[i]);
  // Slots past the ring's size in the last element are never read (slot = hash % size).
  munmap(mem, mapped);
  return fd;
}

void Dataplane::sync_vip(const VipSpec& spec, PendingWrites& pending, SyncReport& report) {
  const std::string vkey = spec.key();
  if (spec.algorithm != Algorithm::rotation && !MaglevRing::is_valid_size(spec.ring_size)) {
    report.refused.push_back(vkey + ": ring size " + std::to_string(spec.ring_size) + " is not a prime in [" +
                             std::to_string(MaglevRing::kMinSize) + ", " + std::to_string(MaglevRing::kMaxSize) +
                             "]");
    return;
  }
  if (spec.ring_size == 0 || spec.ring_size > XDPLB_MAX_RING_SIZE) {
    report.refused.push_back(vkey + ": ring size " + std::to_string(spec.ring_size) + " out of range");
    return;
  }

  auto it = vips_.find(vkey);
  const bool is_new = it == vips_.end();
  if (is_new) {
    const auto id = vip_ids_.take();
    if (!id) {
      report.refused.push_back(vkey + ": more than " + std::to_string(XDPLB_MAX_VIPS) + " VIPs");
      return;
    }
    InstalledVip v;
    v.id = *id;
    zero_traffic(maps_.vip_stats, *id);
    it = vips_.emplace(vkey, std::move(v)).first;
  }
  InstalledVip& vip = it->second;
  vip.spec = spec;

  // Backends: retire the ones no longer wanted, then add/update the rest.
  std::map<BackendKey, const BackendSpec*> wanted;
  for (const auto& b : spec.backends) wanted.emplace(BackendKey(BackendRole::real_server, b), &b);
  if (spec.sorry_server)
    wanted.emplace(BackendKey(BackendRole::sorry_server, *spec.sorry_server), &*spec.sorry_server);
  for (auto b = vip.backends.begin(); b != vip.backends.end();) {
    if (wanted.count(b->first)) {
      ++b;
      continue;
    }
    pending.retired.push_back(b->second);
    b = vip.backends.erase(b);
  }
  RingInputs inputs{{spec.algorithm, spec.ring_size, {}}, {}};
  std::optional<std::uint32_t> sorry_id;
  for (const auto& [bkey, bspec] : wanted) {
    if (!sync_backend(vip, bkey, *bspec, report)) continue;
    const auto id = vip.backends.at(bkey).id;
    if (bkey.role == BackendRole::sorry_server) {
      sorry_id = id;
    } else if (bspec->weight > 0) {
      inputs.shape.members.push_back({bkey, bspec->weight});
      inputs.ids.push_back(id);
    }
  }

  // A ring is a pure function of its inputs: while they stay the same (a VRRP transition, a
  // health change elsewhere) it is neither rebuilt nor rewritten.
  if (inputs != vip.ring_inputs || vip.ring_digest == 0) {
    vip.ring_inputs = std::move(inputs);
    pending.ring_builds.push_back(RingBuild{&vip, {}});
  }

  xdplb_vip value{};
  value.vip_id = vip.id;
  value.flags = (spec.active ? XDPLB_VIP_F_ACTIVE : 0) | (spec.persistence_timeout ? XDPLB_VIP_F_AFFINITY : 0) |
                (sorry_id ? XDPLB_VIP_F_SORRY : 0) | (spec.port == 0 ? XDPLB_VIP_F_PORT_ANY : 0);
  value.ring_size = spec.ring_size;
  value.sorry_backend = sorry_id.value_or(XDPLB_NO_BACKEND);
  value.affinity_timeout = spec.persistence_timeout;
  value.algo = static_cast<__u8>(spec.algorithm == Algorithm::maglev        ? XDPLB_ALGO_MAGLEV
                                 : spec.algorithm == Algorithm::source_hash ? XDPLB_ALGO_SOURCE_HASH
                                                                            : XDPLB_ALGO_ROTATION);
  const bool value_changed = is_new || std::memcmp(&value, &vip.value, sizeof(value)) != 0;
  const xdplb_vip_key key = vip_key_of(spec);
  const bool shrinking = !is_new && value.ring_size < vip.value.ring_size;
  if (value_changed) (shrinking ? pending.vips_before_rings : pending.vips_after_rings).emplace_back(key, value);
  vip.value = value;
  if (is_new)
    spdlog::info("VIP {} programmed: id {}, {} ({} slots){}", vkey, vip.id, to_string(spec.algorithm),
                 spec.ring_size, spec.active ? "" : " (inactive)");
}

Dataplane::FlowWalk Dataplane::walk_flows() const {
  std::map<std::uint32_t, BackendOwner> owners;
  for (const auto& [vip_key, vip] : vips_)
    for (const auto& [backend_key, b] : vip.backends)
      owners.emplace(b.id, BackendOwner{vip_key, backend_key, b.record.generation});
  return FlowWalk(std::move(owners), maps_.conntrack);
}

bool Dataplane::FlowWalk::step(const FlowVisitor& visit) {
  return walk_.step([&](const FlowEntry& flow) {
    const auto owner = owners_.find(flow.backend_id);
    const bool current = owner != owners_.end() && owner->second.generation == flow.generation;
    visit(flow, current ? &owner->second : nullptr);
  });
}

std::uint64_t Dataplane::for_each_flow(const FlowVisitor& visit) const {
  auto walk = walk_flows();
  while (walk.step(visit)) {
  }
  return walk.visited();
}

std::map<std::uint32_t, std::uint64_t> Dataplane::flows_per_backend() const {
  std::map<std::uint32_t, std::uint64_t> flows;
  for_each_flow([&](const FlowEntry& flow, const BackendOwner* owner) {
    if (owner && seen_within_active_window(flow)) ++flows[flow.backend_id];
  });
  return flows;
}

std::vector<VipStatus> Dataplane::status() const {
  std::vector<VipStatus> out;
  for (const auto& [key, vip] : vips_) {
    VipStatus s;
    s.key = key;
    s.id = vip.id;
    s.active = vip.value.flags & XDPLB_VIP_F_ACTIVE;
    s.algorithm = vip.spec.algorithm;
    s.ring_size = vip.value.ring_size;
    s.traffic = sum_traffic(maps_.vip_stats, vip.id);
    for (const auto& [bkey, b] : vip.backends)
      s.backends.push_back(BackendStatus{.key = bkey,
                                         .id = b.id,
                                         .weight = b.spec.weight,
                                         .resolved = b.resolved,
                                         .traffic = sum_traffic(maps_.backend_stats, b.id)});
    // The order xdplbctl and the metrics have always listed them in.
    std::ranges::sort(s.backends, {}, [](const BackendStatus& b) { return to_string(b.key); });
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace xdplb::dataplane
