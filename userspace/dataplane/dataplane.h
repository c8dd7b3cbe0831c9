// The Dataplane: the only owner of the XDP program and its maps. It loads (reusing pinned maps so
// established flows survive a restart), attaches to interfaces, and turns a desired state (VipSpec
// list) into the fewest map writes: new rings are built whole and swapped in atomically.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <xdplb/abi.h>

#include "common/unique_fd.h"
#include "dataplane/flow_table.h"
#include "dataplane/id_pool.h"
#include "dataplane/maglev.h"
#include "dataplane/nat_reverse.h"
#include "dataplane/neighbours.h"
#include "dataplane/ring_table.h"
#include "dataplane/spec.h"
#include "dataplane/verify.h"
#include "dataplane/xdp_program.h"

namespace xdplb::dataplane {

struct DataplaneOptions {
  std::string instance = "xdplb";
  MapSizes map_sizes;
  AttachMode attach_mode = AttachMode::native;
  // New flows per second per CPU past which new flows are not recorded in conntrack (0: always;
  // unset: auto_flood_rate of the conntrack size).
  std::optional<std::uint32_t> flood_rate;
};

// The flood guard's default: the rate at which every CPU's share of the LRU (BPF_F_NO_COMMON_LRU
// splits the table evenly) turns over once in kFloodTurnoverSeconds. Under a flood, an established
// flow then keeps its entry while it is idle for less than that; without a flood nothing changes.
inline constexpr std::uint32_t kFloodTurnoverSeconds = 10;
std::uint32_t auto_flood_rate(std::uint32_t conntrack_size, int cpus);

// What one sync did.
struct SyncReport {
  std::size_t map_writes = 0;     // element updates and deletes (a ring swap counts one)
  std::size_t rings_swapped = 0;
  std::size_t rings_built = 0;  // VIPs that got a new ring (shared shapes built once, counted per VIP)
  std::vector<std::string> unresolved;  // "VIP backend" whose MAC is not known yet
  std::vector<std::string> refused;     // VIPs/backends beyond the limits, with the reason
  std::size_t deferred = 0;  // VIPs whose new ring was left for the next sync (SyncBudget)
};

// How much ring building one sync may do. A ring costs a millisecond or more (built, written, its
// old one freed); a sync that rebuilds a thousand of them would hold the caller's loop for seconds.
// VIPs past the budget keep their ring (and backends) for now; everything else about them (active,
// affinity, sorry server) and every removal is applied at once. Call sync again to go on.
struct SyncBudget {
  std::size_t ring_changes = std::numeric_limits<std::size_t>::max();
};

struct TrafficCounters {
  std::uint64_t packets = 0, bytes = 0, new_flows = 0;
};

struct BackendStatus {
  BackendKey key;  // to_string(key) is how the operator reads it
  std::uint32_t id = 0;
  std::uint32_t weight = 0;
  bool resolved = false;  // MAC known, in the ring when weight > 0
  TrafficCounters traffic;
};

struct VipStatus {
  std::string key;
  std::uint32_t id = 0;
  bool active = false;
  Algorithm algorithm = Algorithm::maglev;
  std::uint32_t ring_size = 0;
  TrafficCounters traffic;
  std::vector<BackendStatus> backends;  // by the text of their keys, the sorry server last
};

class Dataplane {
 public:
  Dataplane(DataplaneOptions options, std::unique_ptr<NextHopResolver> resolver);
  ~Dataplane();
  Dataplane(const Dataplane&) = delete;
  Dataplane& operator=(const Dataplane&) = delete;

  // Attaches the program to the interface (native unless the options say otherwise); an interface
  // it is attached to already is left as it is (its mode returned). Another XDP program found there
  // (not this instance's) is replaced when the operator named the interface, and refused (throws)
  // when the agent chose it itself.
  enum class OnForeignProgram { replace, refuse };
  AttachMode attach(const std::string& ifname, OnForeignProgram on_foreign = OnForeignProgram::replace);
  // Detaches from every interface (with keep_pins_on_exit, only the explicit call does).
  void detach_all();

  // Makes the maps serve exactly `desired`. Backends whose MAC is unknown stay out of the rings and
  // are listed in the report; call sync again (e.g. after refresh) to bring them in.
  SyncReport sync(const std::vector<VipSpec>& desired, SyncBudget budget = {});

  // Restart without losing flows: when this object goes away the maps stay pinned and the program
  // stays attached, serving established and new flows with the last state until the next run
  // (which adopts the maps and replaces the program).
  void keep_pins_on_exit(bool keep) { keep_pins_ = keep; }

  // Reads the live maps back and compares them with `desired` (what the last sync was given, or
  // should have been): VIP entries, rings decoded slot by slot, backend records, settings, and that
  // the program still runs where it was attached. Empty when the kernel serves exactly `desired`.
  std::vector<Discrepancy> verify(const std::vector<VipSpec>& desired) const;

  std::vector<VipStatus> status() const;
  // Which VIP and backend hold a backend id now, at which generation.
  struct BackendOwner {
    std::string vip;  // VipSpec::key()
    BackendKey backend;
    std::uint32_t generation = 0;
  };
  // Every conntrack entry (a walk over the whole flow table: for operators, not hot paths), with
  // the backend serving it now; null when its id is free or went to another server since the flow
  // was pinned (the flow's next packet chooses again); the owner lives only for the visit. Returns the
  // number of entries visited.
  using FlowVisitor = std::function<void(const FlowEntry&, const BackendOwner*)>;
  std::uint64_t for_each_flow(const FlowVisitor& visit) const;
  // The same walk in steps of ConntrackWalk::kBatch entries, so that an event loop can run between
  // them, against the owners of the backend ids as they were when it started. Independent of this
  // object once made.
  class FlowWalk {
   public:
    // Visits the next batch; false once the walk is complete.
    bool step(const FlowVisitor& visit);
    std::uint64_t visited() const { return walk_.visited(); }
    const std::optional<std::string>& error() const { return walk_.error(); }

   private:
    friend class Dataplane;
    FlowWalk(std::map<std::uint32_t, BackendOwner> owners, int conntrack_fd)
        : owners_(std::move(owners)), walk_(conntrack_fd) {}
    std::map<std::uint32_t, BackendOwner> owners_;
    ConntrackWalk walk_;
  };
  FlowWalk walk_flows() const;
  // Active flows per backend id: entries of its current generation seen within kActiveFlowWindow.
  std::map<std::uint32_t, std::uint64_t> flows_per_backend() const;
  std::uint32_t conntrack_size() const { return options_.map_sizes.conntrack; }
  // The conntrack map, for readers that only look (the metrics' entry count); valid while this lives.
  int conntrack_map_fd() const { return maps_.conntrack; }
  struct Attachment {
    std::string interface;
    int ifindex = 0;
    AttachMode mode;
  };
  const std::vector<Attachment>& attachments() const { return attachments_; }
  CounterTotals verdicts() const { return program_->read_verdicts(); }
  FloodTotals flood() const { return program_->read_flood(); }
  // The flood guard's rate in force, and whether it was derived (auto) rather than configured.
  std::uint32_t flood_rate() const { return settings_.flood_rate; }
  bool flood_rate_auto() const { return !options_.flood_rate; }
  // Changes the flood guard's rate (unset: auto); packets see it at once.
  void set_flood_rate(std::optional<std::uint32_t> rate);
  const std::string& pin_dir() const { return program_->pin_dir(); }
  // The interfaces NAT real servers are reached through: their replies arrive there, so the program
  // must be attached there too (the attach seam for lb_kind NAT).
  std::set<int> nat_interfaces() const;
  // Those of nat_interfaces() the program is not attached to: the replies of NAT servers behind them
  // are not translated until it is (the agent attaches there after each sync).
  std::set<int> nat_interfaces_unattached() const;
  XdpProgram& program() { return *program_; }

 private:
  struct InstalledBackend {
    std::uint32_t id = 0;
    BackendSpec spec;
    bool resolved = false;
    xdplb_backend record{};
  };
  struct InstalledVip {
    std::uint32_t id = 0;
    VipSpec spec;
    xdplb_vip value{};
    std::uint64_t ring_digest = 0;  // of the ring in the map; 0 = unknown, rewrite
    RingInputs ring_inputs;         // what that ring was built from: no rebuild while it stays the same
    std::map<BackendKey, InstalledBackend> backends;
  };

  struct RingBuild {
    InstalledVip* vip;                // its ring_inputs say what to build
    std::vector<std::uint32_t> ring;  // built by build_rings when no other VIP shares its shape
  };

  // The writes of one sync, applied in an order packets can live with (see Dataplane::sync).
  struct PendingWrites {
    std::vector<RingBuild> ring_builds;                                   // rings whose inputs changed
    std::vector<std::pair<xdplb_vip_key, xdplb_vip>> vips_before_rings;  // VIPs whose ring shrinks
    std::vector<std::uint32_t> ring_ids;                                  // outer slots to swap...
    std::vector<UniqueFd> ring_fds;                                       // ...to these new rings
    std::vector<std::pair<xdplb_vip_key, xdplb_vip>> vips_after_rings;   // new VIPs, same or larger rings
    std::vector<xdplb_vip_key> removed_vips;
    std::vector<std::uint32_t> removed_rings;
    std::vector<std::uint32_t> released_vip_ids;  // of removed VIPs: reusable once their rings are gone
    std::vector<InstalledBackend> retired;  // left their VIP: flagged out of service, ids given back
  };

  void adopt_pinned_state();
  void remove_vip(InstalledVip& vip, PendingWrites& pending);
  void sync_vip(const VipSpec& spec, PendingWrites& pending, SyncReport& report);
  bool sync_backend(InstalledVip& vip, const BackendKey& key, const BackendSpec& spec, SyncReport& report);
  void build_rings(PendingWrites& pending);
  void apply(PendingWrites& pending, SyncReport& report);
  UniqueFd make_ring(const std::vector<std::uint32_t>& ring) const;
  void ensure_tx_port(int ifindex, SyncReport& report);
  void zero_traffic(int map_fd, std::uint32_t id);
  void write_settings();
  void update_port_any_vips();
  void sync_nat_reverse(SyncReport& report);
  void adopt_nat_reverse();

  DataplaneOptions options_;
  std::unique_ptr<NextHopResolver> resolver_;
  std::unique_ptr<XdpProgram> program_;
  MapFds maps_{};
  IdPool vip_ids_{XDPLB_MAX_VIPS};
  IdPool backend_ids_{XDPLB_MAX_BACKENDS};
  std::vector<std::uint32_t> generations_;  // per backend id, survives id reuse
  std::map<std::string, InstalledVip> vips_;  // by VipSpec::key()
  std::set<int> tx_ports_;
  std::vector<Attachment> attachments_;  // in attach order
  bool keep_pins_ = false;
  xdplb_settings settings_{};  // what xdplb_settings holds
  std::set<NatKeyBytes> nat_ambiguous_;  // of the current sync: NAT servers whose backends record flows
  std::map<NatKeyBytes, xdplb_nat_reverse> nat_reverse_;  // what xdplb_nat_reverse holds
};

// The xdplb_vip_key of a VIP spec (network byte order).
xdplb_vip_key vip_key_of(const VipSpec& spec);

}  // namespace xdplb::dataplane
