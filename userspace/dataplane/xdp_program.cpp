#include "dataplane/xdp_program.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "common/unique_fd.h"
#include "dataplane/bpffs.h"
#include "xdplb_bpf.skel.h"

namespace xdplb::dataplane {

namespace {

std::string errno_text(int err) { return std::strerror(err < 0 ? -err : err); }

// libbpf's own messages go through spdlog, one line each, at the matching level.
int libbpf_to_spdlog(enum libbpf_print_level level, const char* format, va_list args) {
  char line[1024];
  std::vsnprintf(line, sizeof(line), format, args);
  std::string text(line);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  switch (level) {
    case LIBBPF_WARN: spdlog::warn("{}", text); break;
    case LIBBPF_INFO: spdlog::debug("{}", text); break;
    case LIBBPF_DEBUG: spdlog::trace("{}", text); break;
  }
  return 0;
}

unsigned flags_for(AttachMode mode) {
  return mode == AttachMode::generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
}

}  // namespace

const char* to_string(AttachMode mode) {
  switch (mode) {
    case AttachMode::native: return "native";
    case AttachMode::generic: return "generic";
    case AttachMode::best: return "best";
  }
  return "?";
}

void SkeletonDestroy::operator()(::xdplb_bpf* skel) const { xdplb_bpf__destroy(skel); }

namespace {

// What refuses pins of another layout; the operator's way out is to remove them.
std::string incompatible_pins(const std::string& pin_dir) {
  return "maps pinned under " + pin_dir + " by an incompatible xdplb version are refused: remove them";
}

// A pin directory this load created goes again when the load fails; one that held an earlier run's
// pins stays as it was.
class PinDirUndo {
 public:
  explicit PinDirUndo(std::string dir) : dir_(std::move(dir)), created_(::access(dir_.c_str(), F_OK) != 0) {}
  ~PinDirUndo() {
    std::error_code ignored;
    if (created_ && !kept_) std::filesystem::remove_all(dir_, ignored);
  }
  PinDirUndo(const PinDirUndo&) = delete;
  PinDirUndo& operator=(const PinDirUndo&) = delete;
  void keep() { kept_ = true; }

 private:
  std::string dir_;
  bool created_;
  bool kept_ = false;
};

std::string pin_path(const std::string& pin_dir, const bpf_map* map) { return pin_dir + "/" + bpf_map__name(map); }

bool pinned(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// True when any of the program's maps but the version map is pinned under `pin_dir`.
bool maps_pinned(const ::xdplb_bpf& skel, const std::string& pin_dir) {
  const bpf_map* map = nullptr;
  bpf_object__for_each_map(map, skel.obj) {
    if (!bpf_map__is_internal(map) && map != skel.maps.xdplb_abi && pinned(pin_path(pin_dir, map))) return true;
  }
  return false;
}

// Opens the pinned version map and checks that the pins beside it are of this build's layout.
UniqueFd open_pinned_abi(const std::string& pin_dir, const std::string& path) {
  UniqueFd fd(bpf_obj_get(path.c_str()));
  if (!fd) throw std::runtime_error(incompatible_pins(pin_dir) + " (" + path + " is missing: " + errno_text(errno) + ")");
  // Its shape is fixed for all versions; check it before reading a value of that size.
  bpf_map_info info{};
  __u32 len = sizeof(info);
  if (bpf_obj_get_info_by_fd(fd.get(), &info, &len) != 0 || info.type != BPF_MAP_TYPE_ARRAY ||
      info.key_size != sizeof(__u32) || info.value_size != sizeof(xdplb_abi) || info.max_entries != 1)
    throw std::runtime_error(incompatible_pins(pin_dir) + " (" + path + " is not an ABI version map)");
  const __u32 key = 0;
  xdplb_abi abi{};
  if (bpf_map_lookup_elem(fd.get(), &key, &abi) != 0)
    throw std::runtime_error(incompatible_pins(pin_dir) + " (read " + path + ": " + errno_text(errno) + ")");
  if (abi.version != XDPLB_ABI_VERSION)
    throw std::runtime_error(incompatible_pins(pin_dir) + " (they are of ABI version " + std::to_string(abi.version) +
                             ", this xdplb's is " + std::to_string(XDPLB_ABI_VERSION) + ")");
  return fd;
}

}  // namespace

std::unique_ptr<XdpProgram> XdpProgram::load(const std::string& pin_dir, const MapSizes& sizes) {
  libbpf_set_print(libbpf_to_spdlog);
  Skeleton skel(xdplb_bpf__open());
  if (!skel) throw std::runtime_error("open BPF skeleton: " + errno_text(errno));
  bpf_map__set_max_entries(skel->maps.xdplb_conntrack, sizes.conntrack);
  bpf_map__set_max_entries(skel->maps.xdplb_affinity, sizes.affinity);
  // libbpf frees the inner map template once the outer map exists: read its BTF ids now.
  std::pair<std::uint32_t, std::uint32_t> ring_btf{0, 0};
  if (const bpf_map* inner = bpf_map__inner_map(skel->maps.xdplb_rings))
    ring_btf = {bpf_map__btf_key_type_id(inner), bpf_map__btf_value_type_id(inner)};

  PinDirUndo undo(pin_dir);
  make_pin_dir(pin_dir);
  const bool reused = pinned(pin_dir + "/xdplb_vips");
  const std::string abi_path = pin_path(pin_dir, skel->maps.xdplb_abi);
  // Pins of an earlier run are adopted only under a version map of this layout; refused, they stay.
  const bool adopting = pinned(abi_path) || maps_pinned(*skel, pin_dir);
  UniqueFd pinned_abi;
  if (adopting) pinned_abi = open_pinned_abi(pin_dir, abi_path);

  bpf_map* map = nullptr;
  if (adopting) {
    bpf_object__for_each_map(map, skel->obj) {
      if (bpf_map__is_internal(map)) continue;
      const std::string path = pin_path(pin_dir, map);
      // Reused by fd: the version map just checked, and xdplb_tx_ports (the kernel adds
      // BPF_F_RDONLY_PROG to devmaps, which libbpf's reuse check rejects).
      UniqueFd reuse;
      if (map == skel->maps.xdplb_abi)
        reuse = std::move(pinned_abi);
      else if (map == skel->maps.xdplb_tx_ports)
        reuse = UniqueFd(bpf_obj_get(path.c_str()));
      if (reuse) {
        if (int err = bpf_map__reuse_fd(map, reuse.get()); err)
          throw std::runtime_error("reuse pinned " + path + ": " + errno_text(err));
      } else if (map != skel->maps.xdplb_tx_ports) {
        if (int err = bpf_map__set_pin_path(map, path.c_str()); err)
          throw std::runtime_error("set pin path " + path + ": " + errno_text(err));
      }
    }
  }
  if (int err = xdplb_bpf__load(skel.get()); err) {
    if (adopting) throw std::runtime_error("load BPF program (" + incompatible_pins(pin_dir) + "): " + errno_text(err));
    throw std::runtime_error("load BPF program: " + errno_text(err));
  }
  // New pins: the version first, so that pins are never without one (a run that dies before the rest
  // are pinned leaves a version the next run adopts, and that run pins what is missing).
  if (!adopting) {
    const __u32 key = 0;
    const xdplb_abi abi{XDPLB_ABI_VERSION};
    if (bpf_map_update_elem(bpf_map__fd(skel->maps.xdplb_abi), &key, &abi, BPF_ANY) != 0)
      throw std::runtime_error("write " + abi_path + ": " + errno_text(errno));
    if (int err = bpf_map__pin(skel->maps.xdplb_abi, abi_path.c_str()); err)
      throw std::runtime_error("pin " + abi_path + ": " + errno_text(err));
  }
  bpf_object__for_each_map(map, skel->obj) {
    if (bpf_map__is_internal(map) || bpf_map__is_pinned(map)) continue;
    const std::string path = pin_path(pin_dir, map);
    if (pinned(path)) continue;  // reused by fd
    if (int err = bpf_map__pin(map, path.c_str()); err) throw std::runtime_error("pin " + path + ": " + errno_text(err));
  }
  undo.keep();
  spdlog::debug("loaded XDP program, maps pinned under {}{}", pin_dir, reused ? " (reused)" : "");
  auto program = std::unique_ptr<XdpProgram>(new XdpProgram(std::move(skel), pin_dir));
  program->reused_pins_ = reused;
  program->ring_btf_ = ring_btf;
  return program;
}

XdpProgram::XdpProgram(Skeleton skel, std::string pin_dir) : skel_(std::move(skel)), pin_dir_(std::move(pin_dir)) {}

XdpProgram::~XdpProgram() { detach_all(); }

int XdpProgram::program_fd() const { return bpf_program__fd(skel_->progs.xdplb_main); }

int XdpProgram::verdicts_map_fd() const { return bpf_map__fd(skel_->maps.xdplb_verdicts); }

int XdpProgram::btf_fd() const { return btf__fd(bpf_object__btf(skel_->obj)); }

MapFds XdpProgram::maps() const {
  const auto& m = skel_->maps;
  return MapFds{bpf_map__fd(m.xdplb_vips),     bpf_map__fd(m.xdplb_rings),       bpf_map__fd(m.xdplb_backends),
                bpf_map__fd(m.xdplb_conntrack), bpf_map__fd(m.xdplb_affinity),   bpf_map__fd(m.xdplb_rotation),
                bpf_map__fd(m.xdplb_tx_ports),  bpf_map__fd(m.xdplb_verdicts),   bpf_map__fd(m.xdplb_vip_stats),
                bpf_map__fd(m.xdplb_backend_stats), bpf_map__fd(m.xdplb_settings), bpf_map__fd(m.xdplb_flood),
                bpf_map__fd(m.xdplb_nat_reverse), bpf_map__fd(m.xdplb_nat_conntrack)};
}

AttachMode XdpProgram::attach(int ifindex, AttachMode mode) {
  const AttachMode first = mode == AttachMode::generic ? AttachMode::generic : AttachMode::native;
  int err = bpf_xdp_attach(ifindex, program_fd(), flags_for(first), nullptr);
  AttachMode used = first;
  if (err && mode == AttachMode::best) {
    spdlog::warn("native XDP attach on ifindex {} failed ({}); falling back to generic mode (slow)", ifindex,
                 errno_text(err));
    used = AttachMode::generic;
    err = bpf_xdp_attach(ifindex, program_fd(), flags_for(used), nullptr);
  }
  if (err)
    throw std::runtime_error("attach XDP (" + std::string(to_string(used)) + ") to ifindex " +
                             std::to_string(ifindex) + ": " + errno_text(err));
  if (used == AttachMode::generic && mode == AttachMode::generic)
    spdlog::warn("XDP attached in generic mode on ifindex {} as asked: expect a fraction of native speed", ifindex);
  attachments_.push_back({ifindex, flags_for(used)});
  return used;
}

void XdpProgram::detach_all() {
  for (const auto& a : attachments_) {
    // Only detach if the attached program is still ours: never remove somebody else's.
    bpf_xdp_attach_opts opts{};
    opts.sz = sizeof(opts);
    opts.old_prog_fd = program_fd();
    if (int err = bpf_xdp_detach(a.ifindex, a.flags | XDP_FLAGS_REPLACE, &opts); err)
      spdlog::warn("detach XDP from ifindex {}: {}", a.ifindex, errno_text(err));
  }
  attachments_.clear();
}

std::vector<int> XdpProgram::interfaces_not_running_it() const {
  bpf_prog_info info{};
  __u32 len = sizeof(info);
  const bool known = bpf_obj_get_info_by_fd(program_fd(), &info, &len) == 0;
  std::vector<int> missing;
  for (const auto& a : attachments_) {
    bpf_xdp_query_opts q{};
    q.sz = sizeof(q);
    if (!known || bpf_xdp_query(a.ifindex, 0, &q) != 0) {
      missing.push_back(a.ifindex);
      continue;
    }
    const __u32 running = (a.flags & XDP_FLAGS_SKB_MODE) ? q.skb_prog_id : q.drv_prog_id;
    if (running != info.id) missing.push_back(a.ifindex);
  }
  return missing;
}

__u32 XdpProgram::foreign_program_on(int ifindex) const {
  bpf_xdp_query_opts q{};
  q.sz = sizeof(q);
  if (bpf_xdp_query(ifindex, 0, &q) != 0) return 0;
  bpf_map_info ours{};
  __u32 ours_len = sizeof(ours);
  if (bpf_obj_get_info_by_fd(bpf_map__fd(skel_->maps.xdplb_vips), &ours, &ours_len) != 0) return 0;
  for (const __u32 id : {q.drv_prog_id, q.skb_prog_id, q.hw_prog_id}) {
    if (id == 0) continue;
    const UniqueFd fd(bpf_prog_get_fd_by_id(id));
    if (!fd) continue;  // gone meanwhile
    std::vector<__u32> map_ids(64);
    bpf_prog_info info{};
    info.nr_map_ids = static_cast<__u32>(map_ids.size());
    info.map_ids = reinterpret_cast<__u64>(map_ids.data());
    __u32 len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd.get(), &info, &len) != 0) return id;
    map_ids.resize(std::min<std::size_t>(info.nr_map_ids, map_ids.size()));
    if (std::find(map_ids.begin(), map_ids.end(), ours.id) == map_ids.end()) return id;
  }
  return 0;
}

void XdpProgram::unpin_maps() {
  bpf_map* map = nullptr;
  bpf_object__for_each_map(map, skel_->obj) {
    if (bpf_map__is_internal(map)) continue;
    const std::string path = pin_dir_ + "/" + bpf_map__name(map);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) spdlog::warn("unpin {}: {}", path, errno_text(errno));
  }
  ::rmdir(pin_dir_.c_str());
  // The shared parent (/sys/fs/bpf/xdplb) goes with the last instance: rmdir refuses while others remain.
  ::rmdir(std::filesystem::path(pin_dir_).parent_path().c_str());
}

xdplb_counter read_percpu_counter(int map_fd, __u32 key) {
  const int ncpus = libbpf_num_possible_cpus();
  if (ncpus <= 0) throw std::runtime_error("libbpf_num_possible_cpus: " + errno_text(ncpus));
  std::vector<xdplb_counter> values(static_cast<size_t>(ncpus));
  if (bpf_map_lookup_elem(map_fd, &key, values.data()) != 0)
    throw std::runtime_error("read counter " + std::to_string(key) + ": " + errno_text(errno));
  xdplb_counter total{};
  for (const auto& v : values) {
    total.packets += v.packets;
    total.bytes += v.bytes;
  }
  return total;
}

CounterTotals XdpProgram::read_verdicts() const {
  CounterTotals totals{};
  for (__u32 r = 0; r < XDPLB_R__COUNT; ++r) totals[r] = read_percpu_counter(verdicts_map_fd(), r);
  return totals;
}

FloodTotals XdpProgram::read_flood() const {
  const int ncpus = libbpf_num_possible_cpus();
  if (ncpus <= 0) throw std::runtime_error("libbpf_num_possible_cpus: " + errno_text(ncpus));
  std::vector<xdplb_flood_state> values(static_cast<size_t>(ncpus));
  const __u32 key = 0;
  if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.xdplb_flood), &key, values.data()) != 0)
    throw std::runtime_error("read flood guard state: " + errno_text(errno));
  FloodTotals totals;
  for (const auto& v : values) {
    totals.untracked += v.untracked;
    totals.windows_flooded += v.windows_flooded;
  }
  return totals;
}

void XdpProgram::write_settings(const xdplb_settings& settings) {
  const __u32 key = 0;
  if (bpf_map_update_elem(bpf_map__fd(skel_->maps.xdplb_settings), &key, &settings, BPF_ANY) != 0)
    throw std::runtime_error("write xdplb_settings: " + errno_text(errno));
}

}  // namespace xdplb::dataplane
