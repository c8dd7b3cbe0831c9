// The loaded xdplb XDP program: skeleton lifetime, map pinning and attachment to interfaces.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <xdplb/abi.h>

struct xdplb_bpf;  // the libbpf skeleton (xdplb_bpf.skel.h), kept out of this header

namespace xdplb::dataplane {

// Owns a libbpf skeleton from open on: xdplb_bpf__destroy frees it (and closes its maps and program)
// on every path, also when a load fails half-way.
struct SkeletonDestroy {
  void operator()(::xdplb_bpf* skel) const;
};
using Skeleton = std::unique_ptr<::xdplb_bpf, SkeletonDestroy>;

enum class AttachMode {
  native,   // driver mode; fail when the driver cannot
  generic,  // skb mode, for drivers without XDP support (slow, with a warning)
  best,     // native, falling back to generic with a warning
};

const char* to_string(AttachMode mode);

// Sum over CPUs of one counter of a per-CPU map.
using CounterTotals = std::array<xdplb_counter, XDPLB_R__COUNT>;

// Sizes of the maps whose size the configuration chooses.
struct MapSizes {
  std::uint32_t conntrack = XDPLB_DEFAULT_CONNTRACK;
  std::uint32_t affinity = XDPLB_DEFAULT_AFFINITY;
};

// File descriptors of the program's maps (owned by the XdpProgram).
struct MapFds {
  int vips, rings, backends, conntrack, affinity, rotation, tx_ports, verdicts, vip_stats, backend_stats, settings,
      flood, nat_reverse, nat_conntrack;
};

// What the conntrack flood guard did, summed over CPUs.
struct FloodTotals {
  std::uint64_t untracked = 0;        // packets of unrecorded new flows forwarded without a conntrack entry
  std::uint64_t windows_flooded = 0;  // one-second windows (per CPU) in which the guard acted
};

class XdpProgram {
 public:
  // Opens and loads the program. Every map is pinned under `pin_dir`; maps already pinned there
  // (by an earlier run) are reused, which keeps their state across agent restarts; reused_pins()
  // tells whether they were. Pins are adopted only when their xdplb_abi map carries this build's
  // XDPLB_ABI_VERSION: pins of another version, or without one, are refused (std::runtime_error
  // saying to remove them) and left as they are.
  static std::unique_ptr<XdpProgram> load(const std::string& pin_dir, const MapSizes& sizes = {});

  ~XdpProgram();
  XdpProgram(const XdpProgram&) = delete;
  XdpProgram& operator=(const XdpProgram&) = delete;

  // Attaches to the interface; returns the mode actually used. Throws std::runtime_error.
  AttachMode attach(int ifindex, AttachMode mode);
  // Detaches from every interface this object attached to.
  void detach_all();
  // True when this program (not another, not none) is what runs on every interface it attached to;
  // the interfaces where it is not are returned.
  std::vector<int> interfaces_not_running_it() const;
  // The id of an XDP program on `ifindex` that is not this one and does not use this instance's
  // pinned maps (another tool's, another instance's); 0 when there is none, or it is ours (this run's,
  // or the previous run's of this instance, which an attach replaces).
  __u32 foreign_program_on(int ifindex) const;
  // Leaves the program attached when this object goes away: the pinned maps keep it serving while
  // the agent restarts, and the next run's attach replaces it.
  void leave_attached() { attachments_.clear(); }
  // Removes the pins (maps stay alive while this object holds them).
  void unpin_maps();

  int program_fd() const;
  int verdicts_map_fd() const;
  MapFds maps() const;
  // The program's BTF and the id of one of its types (0 when absent): maps the loader creates at run
  // time (the rings) carry it too, so bpftool prints them decoded.
  int btf_fd() const;
  // BTF key and value type ids of the program's ring template (0 when absent).
  std::pair<std::uint32_t, std::uint32_t> ring_btf_types() const { return ring_btf_; }
  // True when the maps were found pinned and reused rather than created.
  bool reused_pins() const { return reused_pins_; }
  const std::string& pin_dir() const { return pin_dir_; }

  // Reads the per-reason verdict counters, summed over CPUs.
  CounterTotals read_verdicts() const;
  // Reads the flood guard's counters, summed over CPUs.
  FloodTotals read_flood() const;
  // Writes the runtime settings (takes effect for the next packet).
  void write_settings(const xdplb_settings& settings);

 private:
  XdpProgram(Skeleton skel, std::string pin_dir);

  struct Attachment {
    int ifindex;
    unsigned flags;
  };

  Skeleton skel_;
  std::string pin_dir_;
  bool reused_pins_ = false;
  std::pair<std::uint32_t, std::uint32_t> ring_btf_{0, 0};
  std::vector<Attachment> attachments_;
};

// Reads a per-CPU array of xdplb_counter at `key` and sums it over the possible CPUs.
xdplb_counter read_percpu_counter(int map_fd, __u32 key);

}  // namespace xdplb::dataplane
