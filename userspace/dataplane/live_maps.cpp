#include "dataplane/live_maps.h"

#include <bpf/bpf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/unique_fd.h"

namespace xdplb::dataplane {

config::IpAddress address_from(const __u32 (&words)[4], std::uint8_t family) {
  config::IpAddress a;
  a.family = family == XDPLB_FAMILY_V4 ? config::AddressFamily::ipv4 : config::AddressFamily::ipv6;
  std::memcpy(a.bytes.data(), words, family == XDPLB_FAMILY_V4 ? 4 : 16);
  a.prefix_length = a.max_prefix_length();
  return a;
}

std::vector<std::pair<xdplb_vip_key, xdplb_vip>> read_live_vips(int vips_fd) {
  std::vector<std::pair<xdplb_vip_key, xdplb_vip>> out;
  xdplb_vip_key key{}, next{};
  const void* prev = nullptr;
  while (bpf_map_get_next_key(vips_fd, prev, &next) == 0) {
    key = next;
    prev = &key;
    xdplb_vip value{};
    if (bpf_map_lookup_elem(vips_fd, &key, &value) == 0) out.emplace_back(key, value);
  }
  return out;
}

std::vector<std::pair<xdplb_nat_key, xdplb_nat_reverse>> read_live_nat_reverse(int nat_reverse_fd) {
  std::vector<std::pair<xdplb_nat_key, xdplb_nat_reverse>> out;
  xdplb_nat_key key{}, next{};
  const void* prev = nullptr;
  while (bpf_map_get_next_key(nat_reverse_fd, prev, &next) == 0) {
    key = next;
    prev = &key;
    xdplb_nat_reverse value{};
    if (bpf_map_lookup_elem(nat_reverse_fd, &key, &value) == 0) out.emplace_back(key, value);
  }
  return out;
}

std::optional<std::vector<std::uint32_t>> read_live_ring(int rings_fd, std::uint32_t vip_id) {
  __u32 inner_id = 0;
  if (bpf_map_lookup_elem(rings_fd, &vip_id, &inner_id) != 0) return std::nullopt;
  UniqueFd inner(bpf_map_get_fd_by_id(inner_id));
  if (!inner) return std::nullopt;
  bpf_map_info info{};
  __u32 info_len = sizeof(info);
  if (bpf_obj_get_info_by_fd(inner.get(), &info, &info_len) != 0) return std::nullopt;
  const std::size_t bytes = std::size_t{info.max_entries} * sizeof(xdplb_ring_slots);
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const std::size_t mapped = (bytes + page - 1) / page * page;
  void* mem = mmap(nullptr, mapped, PROT_READ, MAP_SHARED, inner.get(), 0);
  std::vector<std::uint32_t> ring;
  ring.reserve(std::size_t{info.max_entries} * XDPLB_RING_SLOTS_PER_ENTRY);
  if (mem != MAP_FAILED) {
    const auto* slots = static_cast<const std::uint16_t*>(mem);
    for (std::size_t i = 0; i < ring.capacity(); ++i)
      ring.push_back(slots[i] == XDPLB_RING_NO_BACKEND ? XDPLB_NO_BACKEND : slots[i]);
    munmap(mem, mapped);
    return ring;
  }
  // A ring made without BPF_F_MMAPABLE (never by this agent, but the map is what it is): element by element.
  for (__u32 e = 0; e < info.max_entries; ++e) {
    xdplb_ring_slots slots{};
    if (bpf_map_lookup_elem(inner.get(), &e, &slots) != 0) return std::nullopt;
    for (const auto id : slots.id) ring.push_back(id == XDPLB_RING_NO_BACKEND ? XDPLB_NO_BACKEND : id);
  }
  return ring;
}

std::vector<std::uint32_t> live_ring_ids(int rings_fd) {
  std::vector<std::uint32_t> ids;
  // One batched read where the kernel offers it; the batch skips empty slots of a map-in-map array.
  std::vector<__u32> keys(XDPLB_MAX_VIPS), inner_ids(XDPLB_MAX_VIPS);
  __u32 out_batch = 0, count = XDPLB_MAX_VIPS;
  const int err = bpf_map_lookup_batch(rings_fd, nullptr, &out_batch, keys.data(), inner_ids.data(), &count, nullptr);
  if (err == 0 || errno == ENOENT) {
    for (__u32 i = 0; i < count; ++i)
      if (inner_ids[i] != 0) ids.push_back(keys[i]);
    return ids;
  }
  for (std::uint32_t id = 0; id < XDPLB_MAX_VIPS; ++id) {
    __u32 inner_id = 0;
    if (bpf_map_lookup_elem(rings_fd, &id, &inner_id) == 0) ids.push_back(id);
  }
  return ids;
}

std::optional<xdplb_backend> read_live_backend(int backends_fd, std::uint32_t id) {
  xdplb_backend record{};
  if (bpf_map_lookup_elem(backends_fd, &id, &record) != 0) return std::nullopt;
  return record;
}

std::vector<xdplb_backend> read_live_backends(int backends_fd) {
  std::vector<xdplb_backend> records(XDPLB_MAX_BACKENDS);
  std::vector<__u32> keys(XDPLB_MAX_BACKENDS);
  __u32 out_batch = 0, count = XDPLB_MAX_BACKENDS;
  const int err = bpf_map_lookup_batch(backends_fd, nullptr, &out_batch, keys.data(), records.data(), &count, nullptr);
  if ((err == 0 || errno == ENOENT) && count == XDPLB_MAX_BACKENDS) {
    std::vector<xdplb_backend> by_id(XDPLB_MAX_BACKENDS);
    for (__u32 i = 0; i < count; ++i)
      if (keys[i] < XDPLB_MAX_BACKENDS) by_id[keys[i]] = records[i];
    return by_id;
  }
  for (std::uint32_t id = 0; id < XDPLB_MAX_BACKENDS; ++id) records[id] = read_live_backend(backends_fd, id).value_or(xdplb_backend{});
  return records;
}

std::optional<xdplb_settings> read_live_settings(int settings_fd) {
  const __u32 key = 0;
  xdplb_settings settings{};
  if (bpf_map_lookup_elem(settings_fd, &key, &settings) != 0) return std::nullopt;
  return settings;
}

bool live_tx_port(int tx_ports_fd, std::uint32_t ifindex) {
  __u32 value = 0;  // the devmap's value is the bare ifindex (no program per port)
  return bpf_map_lookup_elem(tx_ports_fd, &ifindex, &value) == 0 && value == ifindex;
}

}  // namespace xdplb::dataplane
