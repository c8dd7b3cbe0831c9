#include "dataplane/xdp_program.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "dataplane/bpffs.h"
#include "xdplb_bpf.skel.h"

namespace xdplb::dataplane {

namespace {

std::string errno_text(int err) { return std::strerror(err < 0 ? -err : err); }

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

std::unique_ptr<XdpProgram> XdpProgram::load(const std::string& pin_dir) {
  ::xdplb_bpf* skel = xdplb_bpf__open();
  if (!skel) throw std::runtime_error("open BPF skeleton: " + errno_text(errno));

  make_pin_dir(pin_dir);
  bpf_map* map = nullptr;
  bpf_object__for_each_map(map, skel->obj) {
    if (bpf_map__is_internal(map)) continue;
    const std::string path = pin_dir + "/" + bpf_map__name(map);
    if (int err = bpf_map__set_pin_path(map, path.c_str()); err) {
      xdplb_bpf__destroy(skel);
      throw std::runtime_error("set pin path " + path + ": " + errno_text(err));
    }
  }
  if (int err = xdplb_bpf__load(skel); err) {
    xdplb_bpf__destroy(skel);
    throw std::runtime_error("load BPF program: " + errno_text(err) +
                             " (a map pinned by another xdplb version under " + pin_dir +
                             " is refused; remove it)");
  }
  spdlog::debug("loaded XDP program, maps pinned under {}", pin_dir);
  return std::unique_ptr<XdpProgram>(new XdpProgram(skel, pin_dir));
}

XdpProgram::XdpProgram(::xdplb_bpf* skel, std::string pin_dir) : skel_(skel), pin_dir_(std::move(pin_dir)) {}

XdpProgram::~XdpProgram() {
  detach_all();
  xdplb_bpf__destroy(skel_);
}

int XdpProgram::program_fd() const { return bpf_program__fd(skel_->progs.xdplb_main); }

int XdpProgram::verdicts_map_fd() const { return bpf_map__fd(skel_->maps.xdplb_verdicts); }

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

void XdpProgram::unpin_maps() {
  bpf_map* map = nullptr;
  bpf_object__for_each_map(map, skel_->obj) {
    if (bpf_map__is_internal(map) || !bpf_map__is_pinned(map)) continue;
    if (int err = bpf_map__unpin(map, nullptr); err)
      spdlog::warn("unpin {}: {}", bpf_map__name(map), errno_text(err));
  }
  ::rmdir(pin_dir_.c_str());
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

}  // namespace xdplb::dataplane
