// Internal to the parser: one function per top-level block (each in its own file).
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "config/block_reader.h"
#include "config/diagnostics.h"
#include "config/model.h"
#include "config/syntax_tree.h"

namespace xdplb::config::detail {

void parse_global_defs(const SyntaxNode& node, GlobalDefs& global, Diagnostics& diagnostics);

std::optional<VrrpInstance> parse_vrrp_instance(const SyntaxNode& node, Diagnostics& diagnostics);
std::optional<VrrpScript> parse_vrrp_script(const SyntaxNode& node, Diagnostics& diagnostics);
std::optional<VrrpSyncGroup> parse_vrrp_sync_group(const SyntaxNode& node, Diagnostics& diagnostics);
// The entries of a track_script block: "NAME [weight N]" (also used by vrrp_sync_group).
std::vector<TrackedScript> parse_track_scripts(const SyntaxNode& node, Diagnostics& diagnostics);

// virtual_ipaddress, virtual_ipaddress_excluded and (parse_routes.cpp) static_ipaddress lines.
std::vector<VirtualIp> parse_virtual_ips(const SyntaxNode& block, Diagnostics& diagnostics);

// parse_routes.cpp: the lines of a virtual_routes / static_routes block (`name` is the block's
// keyword), of a virtual_rules / static_rules block, and of static_ipaddress (which needs `dev`).
std::vector<VirtualRoute> parse_routes(const SyntaxNode& block, std::string_view name, Diagnostics& diagnostics);
std::vector<VirtualRule> parse_rules(const SyntaxNode& block, std::string_view name, Diagnostics& diagnostics);
std::vector<VirtualIp> parse_static_ipaddresses(const SyntaxNode& block, Diagnostics& diagnostics);
// Gives every rule written without a priority keepalived's number (16384, 16383, ... in file order).
void assign_rule_preferences(Config& config, Diagnostics& diagnostics);
// keepalived 2.2.7's rule for the members of a vrrp_sync_group without sync_group_tracking_weight:
// each member's own track_script and track_file entries with a weight other than 0 are dropped, with
// keepalived's warning; its track_interface weights keepalived says it ignores but applies (xdplb
// applies them too, and says so). The group's own track_script/track_file weights apply either way.
void apply_sync_group_tracking(Config& config, Diagnostics& diagnostics);

std::optional<VirtualServer> parse_virtual_server(const SyntaxNode& node, Diagnostics& diagnostics);
std::optional<VirtualServerGroup> parse_virtual_server_group(const SyntaxNode& node,
                                                             Diagnostics& diagnostics);

// TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK, PING_CHECK/ICMP_CHECK, SMTP_CHECK, DNS_CHECK, UDP_CHECK,
// FILE_CHECK: the checkers xdplb runs.
std::span<const std::string_view> checker_keywords();
bool is_checker_keyword(std::string_view keyword);
// keepalived's checkers xdplb does not run (BFD_CHECK), and why.
inline constexpr std::string_view unimplemented_checker_keywords[] = {"BFD_CHECK"};
inline constexpr std::string_view unimplemented_checker_reason =
    "xdplb has no BFD: the real server's other checkers decide its health";

// A top-level track_file / vrrp_track_file block.
std::optional<TrackFile> parse_track_file(const SyntaxNode& node, Diagnostics& diagnostics);
// The entries of a vrrp_instance's or vrrp_sync_group's track_file block: "NAME [weight N
// [reverse|noreverse]]", weight -254..254.
std::vector<TrackedFile> parse_tracked_files(const SyntaxNode& block, Diagnostics& diagnostics);
std::optional<Checker> parse_checker(const SyntaxNode& node, Diagnostics& diagnostics);

// connect_timeout, retry, delay_before_retry and warmup, which a checker, a real_server and a
// virtual_server all take (the real and virtual server's are their checkers' defaults). `min_retry`:
// keepalived 2.2.7 takes retry 0 in a checker only.
void add_inherited_timing_keywords(BlockReader& reader, InheritedTiming& timing, std::int64_t min_retry,
                                   Diagnostics& diagnostics);

// keepalived's names for the timers and ranges reused across blocks.
inline constexpr Duration max_timer = std::chrono::hours(24 * 31);

}  // namespace xdplb::config::detail
