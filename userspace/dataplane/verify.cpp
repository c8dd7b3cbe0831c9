// Dataplane::verify: the maps as the kernel holds them, read back and compared with the intended
// state. It trusts nothing the Dataplane remembers except the fingerprint of each ring it built, so a
// lost ring, a stale VIP, a backend record out of step or a program replaced behind our back shows.
#include <arpa/inet.h>
#include <net/if.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <span>

#include "dataplane/dataplane.h"
#include "dataplane/live_maps.h"
#include "dataplane/nat_reverse.h"
#include "dataplane/ring_table.h"

namespace xdplb::dataplane {

namespace {

using VipKeyBytes = std::array<unsigned char, sizeof(xdplb_vip_key)>;

VipKeyBytes bytes_of(const xdplb_vip_key& key) {
  VipKeyBytes b{};
  std::memcpy(b.data(), &key, sizeof(key));
  return b;
}

// A live record as a real server of its VIP (which is what it is, unless the VIP's sorry server).
BackendKey real_server_of(const xdplb_backend& record) {
  return BackendKey(BackendRole::real_server, address_from(record.addr, record.family), ntohs(record.port));
}

// "198.18.0.11:80" / "[fd00::11]:80": the BackendSpec::key() of a live record.
std::string key_of(const xdplb_backend& record) { return real_server_of(record).endpoint(); }

std::string vip_key_text(const xdplb_vip_key& key) {
  VipSpec spec;
  spec.address = address_from(key.addr, key.family);
  spec.port = ntohs(key.port);
  spec.protocol = key.proto;
  return spec.key();
}

std::string interface_name(int ifindex) {
  char name[IF_NAMESIZE] = {};
  return if_indextoname(static_cast<unsigned>(ifindex), name) ? name : "ifindex " + std::to_string(ifindex);
}

std::uint32_t expected_flags(const VipSpec& spec, bool sorry) {
  return (spec.active ? XDPLB_VIP_F_ACTIVE : 0) | (spec.persistence_timeout ? XDPLB_VIP_F_AFFINITY : 0) |
         (sorry ? XDPLB_VIP_F_SORRY : 0) | (spec.port == 0 ? XDPLB_VIP_F_PORT_ANY : 0);
}

__u8 algo_of(Algorithm a) {
  return static_cast<__u8>(a == Algorithm::maglev        ? XDPLB_ALGO_MAGLEV
                           : a == Algorithm::source_hash ? XDPLB_ALGO_SOURCE_HASH
                                                         : XDPLB_ALGO_ROTATION);
}

}  // namespace

std::vector<Discrepancy> Dataplane::verify(const std::vector<VipSpec>& desired) const {
  std::vector<Discrepancy> found;
  auto report = [&](std::string subject, std::string problem) {
    found.push_back({std::move(subject), std::move(problem)});
  };

  std::map<VipKeyBytes, xdplb_vip> live;
  for (const auto& [key, value] : read_live_vips(maps_.vips)) live.emplace(bytes_of(key), value);

  std::set<VipKeyBytes> wanted_keys;
  std::map<std::uint32_t, std::set<std::string>> wanted_backends;  // live VIP id -> backend keys (sorry too)
  std::uint32_t port_any_live = 0;
  for (const auto& spec : desired) {
    const std::string vkey = spec.key();
    const xdplb_vip_key key = vip_key_of(spec);
    wanted_keys.insert(bytes_of(key));
    const auto it = live.find(bytes_of(key));
    if (it == live.end()) {
      report(vkey, "not in xdplb_vips: its packets pass to the kernel");
      continue;
    }
    const xdplb_vip& v = it->second;
    port_any_live += spec.port == 0;
    const auto installed = vips_.find(vkey);
    auto installed_backend = [&](const BackendKey& bkey) -> const InstalledBackend* {
      if (installed == vips_.end()) return nullptr;
      const auto b = installed->second.backends.find(bkey);
      return b == installed->second.backends.end() ? nullptr : &b->second;
    };

    if (v.ring_size != spec.ring_size)
      report(vkey, "ring size " + std::to_string(v.ring_size) + " in xdplb_vips, " + std::to_string(spec.ring_size) +
                       " wanted");
    if (v.algo != algo_of(spec.algorithm))
      report(vkey, "scheduler " + std::to_string(v.algo) + " in xdplb_vips, " + to_string(spec.algorithm) + " wanted");
    if (const auto flags = expected_flags(spec, spec.sorry_server.has_value()) & ~XDPLB_VIP_F_SORRY;
        (v.flags & ~XDPLB_VIP_F_SORRY) != flags)
      report(vkey, "flags " + std::to_string(v.flags) + " in xdplb_vips, " + std::to_string(flags) +
                       " wanted (active, affinity, every port)");
    if (spec.persistence_timeout && v.affinity_timeout != spec.persistence_timeout)
      report(vkey, "persistence timeout " + std::to_string(v.affinity_timeout) + " s in xdplb_vips, " +
                       std::to_string(spec.persistence_timeout) + " s wanted");

    auto& backends_of_vip = wanted_backends[v.vip_id];
    auto check_record = [&](const std::string& subject, std::uint32_t id, const xdplb_backend& rec,
                            const InstalledBackend* mine) {
      if (!(rec.flags & XDPLB_BACKEND_F_IN_SERVICE)) {
        report(subject, "backend id " + std::to_string(id) + " is out of service in xdplb_backends");
        return;
      }
      if (rec.vip_id != v.vip_id)
        report(subject, "backend id " + std::to_string(id) + " belongs to VIP id " + std::to_string(rec.vip_id) +
                            ", not " + std::to_string(v.vip_id));
      if (mine && std::memcmp(&rec, &mine->record, sizeof(rec)) != 0)
        report(subject, "backend id " + std::to_string(id) + " in xdplb_backends differs from what was written");
      if (rec.ifindex == 0 || !live_tx_port(maps_.tx_ports, rec.ifindex))
        report(subject, "its interface (" + interface_name(static_cast<int>(rec.ifindex)) +
                            ") is not in xdplb_tx_ports: redirected packets are dropped");
    };

    // The ring, slot by slot: which backends it sends new flows to.
    const auto ring = read_live_ring(maps_.rings, v.vip_id);
    std::map<std::string, std::uint32_t> in_ring;  // backend key -> id, as the live ring and records say
    const bool ring_readable = ring && ring->size() >= v.ring_size;  // else that one finding says it all
    if (!ring) {
      report(vkey, "no ring in xdplb_rings[" + std::to_string(v.vip_id) + "]: its new flows are dropped");
    } else if (ring->size() < v.ring_size) {
      report(vkey, "ring of " + std::to_string(ring->size()) + " slots in xdplb_rings[" + std::to_string(v.vip_id) +
                       "], " + std::to_string(v.ring_size) + " needed");
    } else {
      const std::span<const std::uint32_t> slots(ring->data(), v.ring_size);
      std::set<std::uint32_t> ids(slots.begin(), slots.end());
      ids.erase(XDPLB_NO_BACKEND);
      for (const auto id : ids) {
        const auto rec = id < XDPLB_MAX_BACKENDS ? read_live_backend(maps_.backends, id) : std::nullopt;
        if (!rec) {
          report(vkey, "ring slot holds backend id " + std::to_string(id) + ", which does not exist");
          continue;
        }
        in_ring.emplace(key_of(*rec), id);
        check_record(vkey + " " + key_of(*rec), id, *rec, installed_backend(real_server_of(*rec)));
      }
      if (installed != vips_.end() && installed->second.ring_digest != ring_digest(slots))
        report(vkey, "ring in xdplb_rings[" + std::to_string(v.vip_id) + "] is not the one last built");
    }

    for (const auto& b : spec.backends) {
      const std::string bkey = b.key();
      backends_of_vip.insert(bkey);
      const InstalledBackend* mine = installed_backend(BackendKey(BackendRole::real_server, b));
      const bool is_in_ring = in_ring.count(bkey) > 0;
      if (b.weight > 0 && !is_in_ring && ring_readable)
        report(vkey + " " + bkey, mine && !mine->resolved ? "not in the ring: its MAC is not known yet"
                                                          : "not in the ring: it gets no new flows");
      if (b.weight == 0 && is_in_ring) report(vkey + " " + bkey, "in the ring at weight 0: it still gets new flows");
      if (b.weight == 0 && mine && mine->resolved) {
        // Out of the ring by design; its established flows need the record in service.
        if (const auto rec = read_live_backend(maps_.backends, mine->id))
          check_record(vkey + " " + bkey, mine->id, *rec, mine);
      }
    }
    for (const auto& [bkey, id] : in_ring)
      if (!backends_of_vip.count(bkey))
        report(vkey + " " + bkey, "in the ring but not wanted (removed, down or drained)");

    if (spec.sorry_server) {
      const BackendKey sorry(BackendRole::sorry_server, *spec.sorry_server);
      const std::string subject = vkey + " " + to_string(sorry);
      backends_of_vip.insert(sorry.endpoint());
      const auto rec = (v.flags & XDPLB_VIP_F_SORRY) ? read_live_backend(maps_.backends, v.sorry_backend) : std::nullopt;
      const InstalledBackend* mine = installed_backend(sorry);
      if (!rec)
        report(subject, mine && !mine->resolved ? "not in xdplb_vips: its MAC is not known yet"
                                                : "not in xdplb_vips: no sorry server is used");
      else if (key_of(*rec) != sorry.endpoint())
        report(subject, "the sorry backend in xdplb_vips is " + key_of(*rec));
      else
        check_record(subject, v.sorry_backend, *rec, mine);
    } else if (v.flags & XDPLB_VIP_F_SORRY) {
      report(vkey, "a sorry server is set in xdplb_vips, none wanted");
    }
  }

  // What the maps hold that nothing asks for.
  std::set<std::uint32_t> live_ids;
  for (const auto& [bytes, v] : live) {
    live_ids.insert(v.vip_id);
    if (!wanted_keys.count(bytes)) {
      xdplb_vip_key key{};
      std::memcpy(&key, bytes.data(), sizeof(key));
      report(vip_key_text(key), "in xdplb_vips but not wanted: it is still served");
    }
  }
  for (const auto id : live_ring_ids(maps_.rings))
    if (!live_ids.count(id)) report("xdplb_rings[" + std::to_string(id) + "]", "a ring no VIP uses");
  const auto records = read_live_backends(maps_.backends);
  for (std::uint32_t id = 0; id < records.size(); ++id) {
    const auto& rec = records[id];
    if (!(rec.flags & XDPLB_BACKEND_F_IN_SERVICE)) continue;
    const auto it = wanted_backends.find(rec.vip_id);
    if (it == wanted_backends.end() || !it->second.count(key_of(rec)))
      report("xdplb_backends[" + std::to_string(id) + "] " + key_of(rec),
             "in service for VIP id " + std::to_string(rec.vip_id) + " but not wanted there");
  }

  // The NAT reverse table: what the desired VIPs, with the ids the live VIP table gives them, call for.
  std::vector<NatServedVip> served;
  std::vector<const VipSpec*> specs;
  for (const auto& spec : desired) {
    specs.push_back(&spec);
    if (const auto it = live.find(bytes_of(vip_key_of(spec))); it != live.end())
      served.push_back({&spec, it->second.vip_id});
  }
  const NatReverseTable nat_wanted = build_nat_reverse(served, nat_ambiguous_keys(specs));
  std::map<NatKeyBytes, xdplb_nat_reverse> nat_live;
  for (const auto& [key, value] : read_live_nat_reverse(maps_.nat_reverse)) nat_live.emplace(bytes_of(key), value);
  auto nat_subject = [](const NatKeyBytes& bytes) {
    xdplb_nat_key key{};
    std::memcpy(&key, bytes.data(), sizeof(key));
    return "NAT reverse " + nat_key_text(key);
  };
  for (const auto& [bytes, value] : nat_wanted.entries) {
    const auto it = nat_live.find(bytes);
    if (it == nat_live.end())
      report(nat_subject(bytes), "not in xdplb_nat_reverse: its replies leave with the real server's address");
    else if (std::memcmp(&it->second, &value, sizeof(value)) != 0)
      report(nat_subject(bytes), std::string("in xdplb_nat_reverse names another VIP or state (") +
                                     ((it->second.flags & XDPLB_NAT_F_AMBIGUOUS) ? "ambiguous" : "one VIP") + ", " +
                                     ((value.flags & XDPLB_NAT_F_AMBIGUOUS) ? "ambiguous" : "one VIP") + " wanted)");
  }
  for (const auto& [bytes, value] : nat_live)
    if (!nat_wanted.entries.count(bytes))
      report(nat_subject(bytes), "in xdplb_nat_reverse but not wanted: its replies are still translated");

  if (const auto settings = read_live_settings(maps_.settings); !settings) {
    report("xdplb_settings", "cannot be read");
  } else {
    if (settings->port_any_vips != port_any_live)
      report("xdplb_settings", "port_any_vips is " + std::to_string(settings->port_any_vips) + ", " +
                                   std::to_string(port_any_live) +
                                   " port-0 VIPs are in xdplb_vips (0 skips their lookup)");
    if (settings->nat_reverse != nat_live.size() || settings->nat_port_any != nat_wanted.port_any)
      report("xdplb_settings", "nat_reverse/nat_port_any are " + std::to_string(settings->nat_reverse) + "/" +
                                   std::to_string(settings->nat_port_any) + ", " + std::to_string(nat_live.size()) +
                                   "/" + std::to_string(nat_wanted.port_any) +
                                   " wanted (0 skips the reverse lookup)");
    if (settings->flood_rate != settings_.flood_rate)
      report("xdplb_settings", "flood_rate is " + std::to_string(settings->flood_rate) + ", " +
                                   std::to_string(settings_.flood_rate) + " wanted");
  }
  for (const int ifindex : program_->interfaces_not_running_it())
    report(interface_name(ifindex), "this agent's XDP program is not the one attached");
  for (const int ifindex : nat_interfaces_unattached())
    report(interface_name(ifindex), "NAT real servers are reached through it but the program is not attached: "
                                    "their replies are not translated");
  return found;
}

}  // namespace xdplb::dataplane
