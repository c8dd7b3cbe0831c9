// The typed configuration: what the agent, VRRP, checkers and data plane consume. Plain values, no
// I/O. Defaults are keepalived's unless a comment says otherwise. Every item keeps the location it
// was written at, and `keywords` maps each keyword seen in its block to its location, so later
// checks (validation, reload) can point at the exact line.
//
// Every struct compares with a defaulted ==, field by field, and where something was written never
// makes two values differ (WrittenAt, KeywordLocations): a reload decides what changed with ==, so a
// new field takes part in that decision without anyone listing it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/address.h"
#include "config/diagnostics.h"
#include "config/route_model.h"
#include "config/written_at.h"

namespace xdplb::config {

using Duration = std::chrono::milliseconds;

// Each keyword seen in a block, with where it was written. Which keywords were written is not part
// of the value either: an unset optional or an explicit default says it in the fields themselves.
// A block holds a handful of keywords and a file holds thousands of blocks: a small vector (one
// allocation per block, keyword names in the strings' own buffers) rather than a map.
class KeywordLocations {
 public:
  // Records where `keyword` was written; written again, the last place counts. The keyword is kept
  // as a view: it must outlive these locations (BlockReader passes its table's string literals), so
  // that ten thousand real servers do not each copy "delay_before_retry".
  void record(std::string_view keyword, const SourceLocation& where) {
    for (auto& [name, location] : entries_) {
      if (name == keyword) {
        location = where;
        return;
      }
    }
    entries_.emplace_back(keyword, where);
  }
  // Room for `count` keywords at once (a block's statement count bounds what it records).
  void reserve(std::size_t count) { entries_.reserve(count); }
  const SourceLocation* find(std::string_view keyword) const {
    for (const auto& [name, location] : entries_) {
      if (name == keyword) return &location;
    }
    return nullptr;
  }
  bool contains(std::string_view keyword) const { return find(keyword) != nullptr; }
  // The keyword's location, or `fallback` (the block's) when it was not written.
  const SourceLocation& at_or(std::string_view keyword, const SourceLocation& fallback) const {
    const auto* found = find(keyword);
    return found ? *found : fallback;
  }
  friend bool operator==(const KeywordLocations&, const KeywordLocations&) { return true; }

 private:
  std::vector<std::pair<std::string_view, SourceLocation>> entries_;
};

// Where the XDP program is attached (xdplb addition).
enum class XdpMode { native, generic, best };

// A script line of the configuration, `KEYWORD SCRIPT [USER [GROUP]]`. An empty user: the global
// rules of common/script_identity.h decide who runs it.
struct ScriptCommand {
  std::string command;
  std::string user;
  std::string group;

  bool empty() const { return command.empty(); }
  bool operator==(const ScriptCommand&) const = default;
};

// RFC 5798's VRRP groups: keepalived's defaults of vrrp_mcast_group4 / vrrp_mcast_group6.
inline constexpr IpAddress kVrrpGroup4{AddressFamily::ipv4, {224, 0, 0, 18}, 32, false};
inline constexpr IpAddress kVrrpGroup6{AddressFamily::ipv6, {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12},
                                       128, false};

struct GlobalDefs {
  WrittenAt location;
  std::string router_id;
  std::vector<std::string> notification_email;
  std::string notification_email_from;
  std::string smtp_server;  // host name or address, as written
  std::uint16_t smtp_port = 25;
  Duration smtp_connect_timeout = std::chrono::seconds(30);
  int vrrp_version = 2;
  Duration vrrp_garp_master_delay = std::chrono::seconds(5);
  unsigned vrrp_garp_master_repeat = 5;
  bool enable_script_security = false;
  std::string script_user;
  std::string script_group;
  bool vrrp_strict = false;
  // Where multicast adverts go and which group the VRRP sockets join (vrrp_instance mcast_dst_ip
  // overrides it for one instance).
  IpAddress vrrp_mcast_group4 = kVrrpGroup4;
  IpAddress vrrp_mcast_group6 = kVrrpGroup6;
  // The default of every vrrp_instance's and vrrp_sync_group's smtp_alert (BOOL): smtp_alert_vrrp,
  // else smtp_alert, else off (see effective_smtp_alert).
  std::optional<bool> smtp_alert;
  std::optional<bool> smtp_alert_vrrp;
  // keepalived's notify FIFOs: notify_fifo gets every notification, vrrp_notify_fifo the VRRP ones,
  // lvs_notify_fifo the checkers' ones; each *_script is started with the FIFO's path appended.
  std::string notify_fifo;
  ScriptCommand notify_fifo_script;
  std::string vrrp_notify_fifo;
  ScriptCommand vrrp_notify_fifo_script;
  std::string lvs_notify_fifo;  // the checkers' lines only (RS / VS)
  ScriptCommand lvs_notify_fifo_script;
  // xdplb additions.
  std::string xdp_interface;  // the interface the XDP program serves virtual_servers on
  XdpMode xdp_mode = XdpMode::native;
  std::uint32_t xdp_conntrack_size = 1u << 20;  // flow table entries (LRU)
  // New flows per second per CPU past which new flows are not recorded in conntrack; 0 = always record;
  // unset ("auto") = derived from the table size (dataplane::auto_flood_rate).
  std::optional<std::uint32_t> xdp_conntrack_flood_rate;
  KeywordLocations keywords;

  bool operator==(const GlobalDefs&) const = default;
};

// The global settings with those no VRRP instance reads put back to their defaults: the data
// plane's (xdp_*), and the FIFO reader scripts and the checkers' FIFO, which the agent's NotifyFifos
// owns. A reload restarts VRRP instances for a global change only when this view of it changed.
GlobalDefs vrrp_view(GlobalDefs global);

enum class VrrpState { backup, master };
enum class AuthType { none, pass, ah };

struct Authentication {
  AuthType type = AuthType::none;
  std::string password;  // PASS: at most 8 bytes on the wire

  bool operator==(const Authentication&) const = default;
};

struct VirtualIp {
  IpAddress address;  // with the prefix written, or /32 and /128
  std::optional<IpAddress> broadcast;
  std::string device;  // `dev`: empty means the instance's interface
  std::string label;
  std::string scope;
  WrittenAt location;

  bool operator==(const VirtualIp&) const = default;
};

struct TrackedInterface {
  std::string name;
  std::optional<int> weight;
  bool reverse = false;  // `weight N reverse`: the adjustment's sign flipped; with weight 0, up is the fault
  WrittenAt location;

  bool operator==(const TrackedInterface&) const = default;
};

// A reference to a vrrp_script by name, with an optional weight and reverse that override the
// script's (keepalived: `weight N` alone keeps the script's reverse).
struct TrackedScript {
  std::string name;
  std::optional<int> weight;
  std::optional<bool> reverse;  // `weight N reverse|noreverse`; unset: the vrrp_script's
  WrittenAt location;

  bool operator==(const TrackedScript&) const = default;
};

// A reference to a track_file block by name in a vrrp_instance's or vrrp_sync_group's track_file
// block, with an optional weight and reverse that override the track_file's.
struct TrackedFile {
  std::string name;
  std::optional<int> weight;     // -254..254; unset: the track_file's
  std::optional<bool> reverse;   // `weight N reverse|noreverse`; unset: the track_file's
  WrittenAt location;

  bool operator==(const TrackedFile&) const = default;
};

struct NotifyScripts {
  ScriptCommand master, backup, fault, stop, any;  // `notify` is `any`: called for every transition

  bool operator==(const NotifyScripts&) const = default;
};

struct VrrpInstance {
  std::string name;
  WrittenAt location;
  VrrpState state = VrrpState::backup;
  std::string interface;
  std::uint8_t virtual_router_id = 0;  // 0: not configured (an error)
  std::uint8_t priority = 100;
  Duration advert_int = std::chrono::seconds(1);
  std::optional<int> version;  // unset: global_defs vrrp_version
  Authentication authentication;
  std::vector<VirtualIp> virtual_ipaddresses;
  std::vector<VirtualIp> virtual_ipaddresses_excluded;
  std::vector<VirtualRoute> virtual_routes;
  std::vector<VirtualRule> virtual_rules;
  bool nopreempt = false;
  Duration preempt_delay{0};
  std::optional<IpAddress> unicast_src_ip;
  std::vector<IpAddress> unicast_peers;
  std::optional<IpAddress> mcast_dst_ip;  // unset: global_defs vrrp_mcast_group4/6 of the instance's family
  bool use_vmac = false;
  std::string vmac_name;  // `use_vmac NAME`; empty: vrrp.<VRID>
  bool vmac_xmit_base = false;
  std::optional<Duration> garp_master_delay;   // unset: global vrrp_garp_master_delay
  std::optional<unsigned> garp_master_repeat;  // unset: global vrrp_garp_master_repeat
  Duration garp_master_refresh{0};             // 0: no periodic refresh
  std::vector<TrackedInterface> track_interfaces;
  std::vector<TrackedScript> track_scripts;
  std::vector<TrackedFile> track_files;
  NotifyScripts notify;
  std::optional<bool> smtp_alert;  // unset: the global default (effective_smtp_alert)
  bool native_ipv6 = false;
  bool dont_track_primary = false;
  std::optional<bool> accept;  // unset: accept, except under vrrp_strict
  std::optional<bool> strict_mode;  // `strict_mode [BOOL]`; unset: global_defs vrrp_strict
  KeywordLocations keywords;

  // The family the instance advertises in: its first virtual address's, else native_ipv6, else
  // that of mcast_dst_ip, unicast_src_ip or the first unicast_peer; IPv4 when nothing says.
  AddressFamily family() const;
  bool effective_strict(const GlobalDefs& global) const { return strict_mode.value_or(global.vrrp_strict); }
  // keepalived 2.2.7: an IPv6 instance without its own `version` runs VRRPv3 whatever vrrp_version
  // says, and under strict mode even `version 2` becomes 3 (RFC 3768 is IPv4 only).
  int effective_version(const GlobalDefs& global) const;
  // The macvlan use_vmac creates: `use_vmac NAME`, else keepalived's vrrp.<VRID>; empty without use_vmac.
  std::string vmac_interface() const;
  // The group a multicast instance of `family` sends its adverts to and listens on.
  const IpAddress& multicast_group(const GlobalDefs& global, AddressFamily family) const {
    if (mcast_dst_ip) return *mcast_dst_ip;
    return family == AddressFamily::ipv4 ? global.vrrp_mcast_group4 : global.vrrp_mcast_group6;
  }

  bool operator==(const VrrpInstance&) const = default;
};

struct VrrpScript {
  std::string name;
  WrittenAt location;
  std::string script;
  Duration interval = std::chrono::seconds(1);
  std::optional<Duration> timeout;  // unset: the interval
  int weight = 0;
  bool weight_reverse = false;
  unsigned rise = 1;
  unsigned fall = 1;
  std::string user;
  std::string group;
  KeywordLocations keywords;

  bool operator==(const VrrpScript&) const = default;
};

// keepalived's `init_file [VALUE] [overwrite]`: write VALUE to the file at start when it does not
// exist (create), or always (overwrite; not on a reload).
enum class TrackFileInit { none, create, overwrite };

// A top-level track_file block (vrrp_track_file is keepalived's old name): a file holding an
// integer, watched by VRRP instances, sync groups (track_file) and real servers (FILE_CHECK).
struct TrackFile {
  std::string name;
  WrittenAt location;
  std::string file;
  int weight = 1;  // keepalived's default
  bool weight_reverse = false;
  TrackFileInit init = TrackFileInit::none;
  int init_value = 0;
  KeywordLocations keywords;

  bool operator==(const TrackFile&) const = default;
};

struct NamedReference {
  std::string name;
  WrittenAt location;

  bool operator==(const NamedReference&) const = default;
};

struct VrrpSyncGroup {
  std::string name;
  WrittenAt location;
  std::vector<NamedReference> members;  // vrrp_instance names
  NotifyScripts notify;
  std::vector<TrackedScript> track_scripts;
  std::vector<TrackedFile> track_files;
  std::optional<bool> smtp_alert;  // unset: the global default (effective_smtp_alert)
  // keepalived's `sync_group_tracking_weight`: member instances keep their own weighted
  // track_script and track_file entries (without it keepalived, and xdplb, drop them).
  bool tracking_weight = false;
  KeywordLocations keywords;

  bool operator==(const VrrpSyncGroup&) const = default;
};

// An instance's or sync group's smtp_alert as keepalived 2.2.7 resolves it: its own, else global_defs'
// smtp_alert_vrrp, else global_defs' smtp_alert, else off.
bool effective_smtp_alert(const std::optional<bool>& own, const GlobalDefs& global);

enum class LbAlgo { rr, wrr, lc, wlc, lblc, lblcr, sh, dh, sed, nq, mh };
enum class LbKind { nat, dr, tun };
enum class Protocol { tcp, udp, sctp };

// What the data plane really runs for a configured lb_algo: xdplb selects backends statelessly, so
// the connection-counting schedulers are served by Maglev (see docs/configuration.md).
LbAlgo effective_lb_algo(LbAlgo configured);

struct StatusCodeRange {
  unsigned first = 200;
  unsigned last = 299;

  bool operator==(const StatusCodeRange&) const = default;
};

struct HttpUrl {
  std::string path;
  std::vector<StatusCodeRange> status_codes;  // empty: any 2xx
  std::string digest;                         // lowercase hex MD5 of the body; empty: not checked
  std::string virtualhost;
  WrittenAt location;

  bool operator==(const HttpUrl&) const = default;
};

// The timing keywords a checker, a real_server and a virtual_server all take. Unset: inherited,
// checker <- real_server <- virtual_server, then keepalived's default for the checker type (see
// config/checker_timing.h, which resolves them).
struct InheritedTiming {
  std::optional<Duration> connect_timeout;
  std::optional<unsigned> retry;
  std::optional<Duration> delay_before_retry;
  std::optional<Duration> warmup;

  bool operator==(const InheritedTiming&) const = default;
};

// Fields shared by every checker.
struct CheckerCommon : InheritedTiming {
  WrittenAt location;
  std::optional<IpAddress> connect_ip;        // unset: the real server's address
  std::optional<std::uint16_t> connect_port;  // unset: the real server's port
  std::optional<IpAddress> bindto;
  std::optional<std::uint16_t> bind_port;
  std::optional<Duration> delay_loop;  // unset: the real_server's, then the virtual_server's
  std::optional<bool> alpha;           // unset: the real_server's, then the virtual_server's
  KeywordLocations keywords;

  bool operator==(const CheckerCommon&) const = default;
};

struct TcpCheck : CheckerCommon {
  bool operator==(const TcpCheck&) const = default;
};

struct HttpGetCheck : CheckerCommon {
  bool tls = false;  // SSL_GET
  std::vector<HttpUrl> urls;
  std::string virtualhost;
  bool enable_sni = true;

  bool operator==(const HttpGetCheck&) const = default;
};

struct MiscCheck : CheckerCommon {
  std::string misc_path;
  std::optional<Duration> misc_timeout;  // unset: the delay_loop
  bool misc_dynamic = false;
  std::string user;   // `user USER [GROUP]`; empty: the global rules
  std::string group;

  bool operator==(const MiscCheck&) const = default;
};

struct PingCheck : CheckerCommon {
  bool operator==(const PingCheck&) const = default;
};

struct SmtpCheck : CheckerCommon {
  std::string helo_name;  // empty: the host name

  bool operator==(const SmtpCheck&) const = default;
};

struct DnsCheck : CheckerCommon {
  std::string type = "SOA";
  std::string name = ".";

  bool operator==(const DnsCheck&) const = default;
};

// UDP_CHECK: a datagram to the server; failed on an ICMP error (port unreachable...), and with
// require_reply also when no reply, or a reply of the wrong length or content, comes in time.
struct UdpCheck : CheckerCommon {
  std::vector<std::uint8_t> payload;  // empty: a random payload
  bool require_reply = false;
  std::vector<std::uint8_t> reply_data;  // require_reply HEX: the prefix the reply must match
  std::vector<std::uint8_t> reply_mask;  // bits of reply_data to ignore (X or x nibbles); empty: none
  unsigned min_reply_length = 0;
  unsigned max_reply_length = 255;

  bool operator==(const UdpCheck&) const = default;
};

// FILE_CHECK: the real server follows a track_file's value. It takes none of the common keywords;
// it derives from CheckerCommon only so that every checker is visited alike.
struct FileCheck : CheckerCommon {
  std::string track_file;        // a track_file block's name
  std::optional<int> weight;     // unset (or 0 written): the track_file's weight and reverse
  bool reverse = false;
  bool dynamic = false;

  bool operator==(const FileCheck&) const = default;
};

using Checker = std::variant<TcpCheck, HttpGetCheck, MiscCheck, PingCheck, SmtpCheck, DnsCheck, UdpCheck, FileCheck>;

struct RealServer : InheritedTiming {
  WrittenAt location;
  IpAddress address;
  std::uint16_t port = 0;  // unset in the file: the virtual server's port
  std::uint32_t weight = 1;
  std::optional<bool> inhibit_on_failure;  // unset: the virtual server's
  std::optional<Duration> delay_loop;      // unset: the virtual server's
  std::optional<bool> alpha;               // unset: the virtual server's
  ScriptCommand notify_up;
  ScriptCommand notify_down;
  std::vector<Checker> checkers;
  KeywordLocations keywords;

  bool operator==(const RealServer&) const = default;
};

struct SorryServer {
  IpAddress address;
  std::uint16_t port = 0;
  WrittenAt location;

  bool operator==(const SorryServer&) const = default;
};

enum class VirtualServerKind { address, fwmark, group };

struct VirtualServer : InheritedTiming {
  WrittenAt location;
  VirtualServerKind kind = VirtualServerKind::address;
  IpAddress address;         // kind == address
  std::uint16_t port = 0;    // kind == address
  std::uint32_t fwmark = 0;  // kind == fwmark
  std::string group;         // kind == group: a virtual_server_group name
  Duration delay_loop = std::chrono::seconds(60);
  LbAlgo lb_algo = LbAlgo::wlc;  // keepalived 2.2.7's default ("no scheduler set, setting default 'wlc'")
  LbKind lb_kind = LbKind::nat;
  std::optional<Duration> persistence_timeout;
  std::optional<IpAddress> persistence_granularity;
  Protocol protocol = Protocol::udp;  // keepalived 2.2.7's default, with a warning at -t
  std::uint32_t quorum = 1;
  std::uint32_t hysteresis = 0;
  ScriptCommand quorum_up;
  ScriptCommand quorum_down;
  std::optional<SorryServer> sorry_server;
  bool sorry_server_inhibit = false;
  bool alpha = false;
  bool omega = false;
  bool ha_suspend = false;
  bool inhibit_on_failure = false;
  std::string virtualhost;
  // xdplb addition: Maglev lookup table size, a prime well above 100 x the number of real servers.
  std::uint32_t xdp_ring_size = 65537;
  std::vector<RealServer> real_servers;
  KeywordLocations keywords;

  bool operator==(const VirtualServer&) const = default;
};

struct VirtualServerGroupEntry {
  WrittenAt location;
  bool is_fwmark = false;
  // !is_fwmark: the addresses first..last (equal for one address; same family, first <= last), from
  // "A", "A-N" (last byte, or last IPv6 group in hex), "A-B" or "A/LEN" (every address of the prefix).
  IpAddress first;
  IpAddress last;
  std::uint16_t port = 0;  // 0: every port (an entry written without one)
  std::uint32_t fwmark = 0;  // is_fwmark

  bool operator==(const VirtualServerGroupEntry&) const = default;
};

struct VirtualServerGroup {
  std::string name;
  WrittenAt location;
  std::vector<VirtualServerGroupEntry> entries;

  bool operator==(const VirtualServerGroup&) const = default;
};

struct Config {
  GlobalDefs global;
  std::vector<VrrpInstance> vrrp_instances;
  std::vector<VrrpScript> vrrp_scripts;
  std::vector<VrrpSyncGroup> sync_groups;
  std::vector<TrackFile> track_files;
  std::vector<VirtualServer> virtual_servers;
  std::vector<VirtualServerGroup> virtual_server_groups;
  // Installed while the agent runs, whatever the VRRP state (route_model.h).
  std::vector<VirtualIp> static_ipaddresses;
  std::vector<VirtualRoute> static_routes;
  std::vector<VirtualRule> static_rules;

  bool operator==(const Config&) const = default;
};

const char* to_string(XdpMode mode);
const char* to_string(VrrpState state);
const char* to_string(AuthType type);
const char* to_string(LbAlgo algo);
const char* to_string(LbKind kind);
// "198.18.0.1:80/TCP", "[fd00::1]:80/UDP", "fwmark 7/TCP", "group NAME/TCP": how messages name a virtual_server.
std::string service_name(const VirtualServer& server);
const char* to_string(Protocol protocol);

}  // namespace xdplb::config
