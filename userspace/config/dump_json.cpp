#include "config/dump_json.h"

#include "config/checker_timing.h"

namespace xdplb::config {

namespace {

using nlohmann::json;

json seconds(Duration duration) {
  if (duration.count() % 1000 == 0) return duration.count() / 1000;
  return static_cast<double>(duration.count()) / 1000.0;
}

template <typename T, typename Convert>
json optional(const std::optional<T>& value, Convert convert) {
  return value ? convert(*value) : json(nullptr);
}

json address(const IpAddress& value) {
  return value.to_string_with_prefix();
}

json location(const SourceLocation& where) {
  return where.file_name() + ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
}

// The command alone when the line names no user (the common case), else command, user and group.
json script_line(const ScriptCommand& s) {
  if (s.user.empty()) return s.command;
  return {{"command", s.command}, {"user", s.user}, {"group", s.group}};
}

json notify(const NotifyScripts& scripts) {
  return {{"master", script_line(scripts.master)},
          {"backup", script_line(scripts.backup)},
          {"fault", script_line(scripts.fault)},
          {"stop", script_line(scripts.stop)},
          {"notify", script_line(scripts.any)}};
}

// A track_script or track_file line: NAME, and the weight and reverse written after it.
template <typename Track>
json tracked(const std::vector<Track>& tracks) {
  json out = json::array();
  for (const auto& track : tracks)
    out.push_back({{"name", track.name},
                   {"weight", optional(track.weight, [](int w) { return json(w); })},
                   {"reverse", optional(track.reverse, [](bool r) { return json(r); })}});
  return out;
}

// keepalived's HEX_STR as lower-case digits, "x" for a masked nibble: "0a1bx3".
std::string hex_text(const std::vector<std::uint8_t>& data, const std::vector<std::uint8_t>& mask = {}) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < data.size(); ++i) {
    const std::uint8_t m = i < mask.size() ? mask[i] : 0;
    out += (m & 0xF0) ? 'x' : digits[data[i] >> 4];
    out += (m & 0x0F) ? 'x' : digits[data[i] & 0x0F];
  }
  return out;
}

json track_file(const TrackFile& f) {
  return {{"name", f.name},
          {"location", location(f.location)},
          {"file", f.file},
          {"weight", f.weight},
          {"reverse", f.weight_reverse},
          {"init_file", f.init == TrackFileInit::none ? json(nullptr)
                                                      : json{{"value", f.init_value},
                                                             {"overwrite", f.init == TrackFileInit::overwrite}}}};
}

json global(const GlobalDefs& g) {
  return {{"router_id", g.router_id},
          {"notification_email", g.notification_email},
          {"notification_email_from", g.notification_email_from},
          {"smtp_server", g.smtp_server},
          {"smtp_port", g.smtp_port},
          {"smtp_connect_timeout", seconds(g.smtp_connect_timeout)},
          {"vrrp_version", g.vrrp_version},
          {"vrrp_garp_master_delay", seconds(g.vrrp_garp_master_delay)},
          {"vrrp_garp_master_repeat", g.vrrp_garp_master_repeat},
          {"enable_script_security", g.enable_script_security},
          {"script_user", g.script_user},
          {"script_group", g.script_group},
          {"vrrp_strict", g.vrrp_strict},
          {"vrrp_mcast_group4", address(g.vrrp_mcast_group4)},
          {"vrrp_mcast_group6", address(g.vrrp_mcast_group6)},
          {"smtp_alert", optional(g.smtp_alert, [](bool b) { return json(b); })},
          {"smtp_alert_vrrp", optional(g.smtp_alert_vrrp, [](bool b) { return json(b); })},
          {"notify_fifo", g.notify_fifo},
          {"notify_fifo_script", script_line(g.notify_fifo_script)},
          {"vrrp_notify_fifo", g.vrrp_notify_fifo},
          {"vrrp_notify_fifo_script", script_line(g.vrrp_notify_fifo_script)},
          {"lvs_notify_fifo", g.lvs_notify_fifo},
          {"lvs_notify_fifo_script", script_line(g.lvs_notify_fifo_script)},
          {"xdp_interface", g.xdp_interface},
          {"xdp_mode", to_string(g.xdp_mode)},
          {"xdp_conntrack_size", g.xdp_conntrack_size},
          {"xdp_conntrack_flood_rate",
           g.xdp_conntrack_flood_rate ? json(*g.xdp_conntrack_flood_rate) : json("auto")}};
}

json number(std::uint32_t v) { return json(v); }

// A route under keepalived's keywords (unset ones are null).
json routes(const std::vector<VirtualRoute>& list) {
  json out = json::array();
  for (const auto& r : list) {
    json hops = json::array();
    for (const auto& h : r.nexthops)
      hops.push_back({{"via", optional(h.via, address)},
                      {"dev", h.device},
                      {"weight", optional(h.weight, [](std::uint16_t w) { return json(w); })},
                      {"onlink", h.onlink},
                      {"realms", optional(h.realms, number)}});
    json metrics = json::object();
    for (const auto& [metric, value] : r.metrics)
      metrics[to_string(metric)] = value.lock ? json{{"lock", true}, {"value", value.value}} : json(value.value);
    out.push_back({{"type", to_string(r.type)},
                   {"to", address(r.destination)},
                   {"src", optional(r.source, address)},
                   {"via", optional(r.via, address)},
                   {"or", optional(r.or_via, address)},
                   {"dev", r.device},
                   {"onlink", r.onlink},
                   {"nexthop", hops},
                   {"scope", optional(r.scope, [](std::uint8_t v) { return json(v); })},
                   {"table", optional(r.table, number)},
                   {"metric", optional(r.metric, number)},
                   {"protocol", optional(r.protocol, [](std::uint8_t v) { return json(v); })},
                   {"tos", optional(r.tos, [](std::uint8_t v) { return json(v); })},
                   {"realms", optional(r.realms, number)},
                   {"metrics", metrics},
                   {"pref", optional(r.pref, [](RoutePreference p) { return json(to_string(p)); })},
                   {"expires", optional(r.expires, number)},
                   {"append", r.append},
                   {"no_track", r.no_track}});
  }
  return out;
}

json rules(const std::vector<VirtualRule>& list) {
  json out = json::array();
  const auto range = [](const auto& r) { return json{r.first, r.last}; };
  for (const auto& r : list) {
    json rule = {{"family", r.family == AddressFamily::ipv4 ? "inet" : "inet6"},
                 {"not", r.invert},
                 {"from", r.from ? address(*r.from) : json("all")},
                 {"to", r.to ? address(*r.to) : json("all")},
                 {"priority", r.preference},
                 {"priority_assigned", r.preference_assigned},
                 {"action", r.l3mdev ? "l3mdev" : to_string(r.action)},
                 {"iif", r.iif},
                 {"oif", r.oif},
                 {"fwmark", optional(r.fwmark, number)},
                 {"fwmask", optional(r.fwmask, number)},
                 {"tos", optional(r.tos, [](std::uint8_t v) { return json(v); })},
                 {"realms", optional(r.realms, number)},
                 {"protocol", optional(r.protocol, [](std::uint8_t v) { return json(v); })},
                 {"ipproto", optional(r.ipproto, [](std::uint8_t v) { return json(v); })},
                 {"sport", optional(r.sport, range)},
                 {"dport", optional(r.dport, range)},
                 {"uidrange", optional(r.uidrange, range)},
                 {"suppress_prefixlength", optional(r.suppress_prefixlength, number)},
                 {"suppress_ifgroup", optional(r.suppress_ifgroup, number)},
                 {"no_track", r.no_track}};
    if (r.action == RuleAction::table && !r.l3mdev) rule["table"] = r.table;
    if (r.action == RuleAction::goto_) rule["goto"] = r.goto_target;
    out.push_back(std::move(rule));
  }
  return out;
}

json virtual_ips(const std::vector<VirtualIp>& vips) {
  json out = json::array();
  for (const auto& vip : vips) {
    out.push_back({{"address", address(vip.address)},
                   {"broadcast", optional(vip.broadcast, address)},
                   {"dev", vip.device},
                   {"label", vip.label},
                   {"scope", vip.scope}});
  }
  return out;
}

json instance(const VrrpInstance& i, const GlobalDefs& g) {
  json interfaces = json::array();
  for (const auto& t : i.track_interfaces)
    interfaces.push_back(
        {{"name", t.name}, {"weight", optional(t.weight, [](int w) { return json(w); })}, {"reverse", t.reverse}});
  json peers = json::array();
  for (const auto& p : i.unicast_peers) peers.push_back(address(p));
  return {{"name", i.name},
          {"location", location(i.location)},
          {"state", to_string(i.state)},
          {"interface", i.interface},
          {"virtual_router_id", i.virtual_router_id},
          {"priority", i.priority},
          {"advert_int", seconds(i.advert_int)},
          {"version", i.effective_version(g)},
          {"authentication",
           {{"auth_type", to_string(i.authentication.type)}, {"auth_pass", i.authentication.password}}},
          {"virtual_ipaddress", virtual_ips(i.virtual_ipaddresses)},
          {"virtual_ipaddress_excluded", virtual_ips(i.virtual_ipaddresses_excluded)},
          {"virtual_routes", routes(i.virtual_routes)},
          {"virtual_rules", rules(i.virtual_rules)},
          {"nopreempt", i.nopreempt},
          {"preempt_delay", seconds(i.preempt_delay)},
          {"unicast_src_ip", optional(i.unicast_src_ip, address)},
          {"unicast_peer", peers},
          {"mcast_dst_ip", optional(i.mcast_dst_ip, address)},
          {"use_vmac", i.use_vmac},
          {"vmac_name", i.vmac_name},
          {"vmac_xmit_base", i.vmac_xmit_base},
          {"garp_master_delay", seconds(i.garp_master_delay.value_or(g.vrrp_garp_master_delay))},
          {"garp_master_repeat", i.garp_master_repeat.value_or(g.vrrp_garp_master_repeat)},
          {"garp_master_refresh", seconds(i.garp_master_refresh)},
          {"track_interface", interfaces},
          {"track_script", tracked(i.track_scripts)},
          {"track_file", tracked(i.track_files)},
          {"notify", notify(i.notify)},
          {"smtp_alert", effective_smtp_alert(i.smtp_alert, g)},
          {"native_ipv6", i.native_ipv6},
          {"dont_track_primary", i.dont_track_primary},
          {"accept", i.accept.value_or(i.priority == 255 || !i.effective_strict(g))},
          {"strict_mode", i.effective_strict(g)}};
}

json script(const VrrpScript& s) {
  return {{"name", s.name},
          {"location", location(s.location)},
          {"script", s.script},
          {"interval", seconds(s.interval)},
          {"timeout", seconds(s.timeout.value_or(s.interval))},
          {"weight", s.weight},
          {"reverse", s.weight_reverse},
          {"rise", s.rise},
          {"fall", s.fall},
          {"user", s.user},
          {"group", s.group}};
}

json sync_group(const VrrpSyncGroup& group, const GlobalDefs& global) {
  json members = json::array();
  for (const auto& m : group.members) members.push_back(m.name);
  return {{"name", group.name},
          {"location", location(group.location)},
          {"group", members},
          {"notify", notify(group.notify)},
          {"track_script", tracked(group.track_scripts)},
          {"track_file", tracked(group.track_files)},
          {"smtp_alert", effective_smtp_alert(group.smtp_alert, global)},
          {"sync_group_tracking_weight", group.tracking_weight}};
}

// What the checker runs with: its own values, else its real and virtual server's, else keepalived's
// default for its type (checker_timing.h).
json common_fields(const char* type, const CheckerCommon& c, const CheckerTiming& timing) {
  const auto port = [](std::uint16_t p) { return json(p); };
  return {{"type", type},
          {"location", location(c.location)},
          {"connect_ip", optional(c.connect_ip, address)},
          {"connect_port", optional(c.connect_port, port)},
          {"bindto", optional(c.bindto, address)},
          {"bind_port", optional(c.bind_port, port)},
          {"connect_timeout", seconds(timing.connect_timeout)},
          {"retry", timing.retry},
          {"delay_before_retry", seconds(timing.delay_before_retry)},
          {"warmup", seconds(timing.warmup)},
          {"delay_loop", seconds(timing.delay_loop)},
          {"alpha", timing.alpha}};
}

// The timing keywords a real or virtual server sets for its checkers, as written (null: not set).
void add_inherited_timing(json& out, const InheritedTiming& t) {
  out["connect_timeout"] = optional(t.connect_timeout, seconds);
  out["retry"] = optional(t.retry, [](unsigned r) { return json(r); });
  out["delay_before_retry"] = optional(t.delay_before_retry, seconds);
  out["warmup"] = optional(t.warmup, seconds);
}

json checker(const VirtualServer& vs, const RealServer& rs, const Checker& variant) {
  const auto timing = effective_timing(vs, rs, variant);
  const auto common = [&timing](const char* type, const CheckerCommon& c) { return common_fields(type, c, timing); };
  return std::visit(
      [&common](const auto& check) -> json {
        using T = std::decay_t<decltype(check)>;
        if constexpr (std::is_same_v<T, TcpCheck>) {
          return common("TCP_CHECK", check);
        } else if constexpr (std::is_same_v<T, HttpGetCheck>) {
          json out = common(check.tls ? "SSL_GET" : "HTTP_GET", check);
          json urls = json::array();
          for (const auto& url : check.urls) {
            json codes = json::array();
            for (const auto& range : url.status_codes) {
              codes.push_back(range.first == range.last
                                  ? std::to_string(range.first)
                                  : std::to_string(range.first) + "-" + std::to_string(range.last));
            }
            urls.push_back({{"path", url.path},
                            {"status_code", codes},
                            {"digest", url.digest},
                            {"virtualhost", url.virtualhost}});
          }
          out["url"] = urls;
          out["virtualhost"] = check.virtualhost;
          if (check.tls) out["enable_sni"] = check.enable_sni;
          return out;
        } else if constexpr (std::is_same_v<T, MiscCheck>) {
          json out = common("MISC_CHECK", check);
          out["misc_path"] = check.misc_path;
          out["misc_timeout"] = optional(check.misc_timeout, seconds);
          out["misc_dynamic"] = check.misc_dynamic;
          out["user"] = check.user;
          out["group"] = check.group;
          return out;
        } else if constexpr (std::is_same_v<T, PingCheck>) {
          return common("PING_CHECK", check);
        } else if constexpr (std::is_same_v<T, SmtpCheck>) {
          json out = common("SMTP_CHECK", check);
          out["helo_name"] = check.helo_name;
          return out;
        } else if constexpr (std::is_same_v<T, DnsCheck>) {
          json out = common("DNS_CHECK", check);
          out["type"] = check.type;
          out["name"] = check.name;
          return out;
        } else if constexpr (std::is_same_v<T, UdpCheck>) {
          json out = common("UDP_CHECK", check);
          out["payload"] = check.payload.empty() ? json(nullptr) : json(hex_text(check.payload));
          out["require_reply"] = check.require_reply;
          out["require_reply_data"] =
              check.reply_data.empty() ? json(nullptr) : json(hex_text(check.reply_data, check.reply_mask));
          out["min_reply_length"] = check.min_reply_length;
          out["max_reply_length"] = check.max_reply_length;
          return out;
        } else {
          static_assert(std::is_same_v<T, FileCheck>);
          // FILE_CHECK takes none of the common keywords: only its own.
          return {{"type", "FILE_CHECK"},
                  {"location", location(check.location)},
                  {"track_file", check.track_file},
                  {"weight", optional(check.weight, [](int w) { return json(w); })},
                  {"reverse", check.reverse},
                  {"dynamic", check.dynamic}};
        }
      },
      variant);
}

json real_server(const VirtualServer& v, const RealServer& r) {
  json checkers = json::array();
  for (const auto& c : r.checkers) checkers.push_back(checker(v, r, c));
  json out = {{"location", location(r.location)},
              {"address", address(r.address)},
              {"port", r.port},
              {"weight", r.weight},
              {"inhibit_on_failure", effective_inhibit_on_failure(v, r)},
              {"alpha", optional(r.alpha, [](bool a) { return json(a); })},
              {"delay_loop", optional(r.delay_loop, seconds)},
              {"notify_up", script_line(r.notify_up)},
              {"notify_down", script_line(r.notify_down)},
              {"checkers", checkers}};
  add_inherited_timing(out, r);
  return out;
}

json virtual_server(const VirtualServer& v) {
  json out = {{"location", location(v.location)}};
  switch (v.kind) {
    case VirtualServerKind::address:
      out["address"] = address(v.address);
      out["port"] = v.port;
      break;
    case VirtualServerKind::fwmark: out["fwmark"] = v.fwmark; break;
    case VirtualServerKind::group: out["group"] = v.group; break;
  }
  json reals = json::array();
  for (const auto& r : v.real_servers) reals.push_back(real_server(v, r));
  out.update({{"delay_loop", seconds(v.delay_loop)},
              {"lb_algo", to_string(v.lb_algo)},
              {"lb_algo_effective", to_string(effective_lb_algo(v.lb_algo))},
              {"lb_kind", to_string(v.lb_kind)},
              {"persistence_timeout", optional(v.persistence_timeout, seconds)},
              {"persistence_granularity", optional(v.persistence_granularity, address)},
              {"protocol", to_string(v.protocol)},
              {"quorum", v.quorum},
              {"hysteresis", v.hysteresis},
              {"quorum_up", script_line(v.quorum_up)},
              {"quorum_down", script_line(v.quorum_down)},
              {"sorry_server", v.sorry_server ? json{{"address", address(v.sorry_server->address)},
                                                     {"port", v.sorry_server->port}}
                                              : json(nullptr)},
              {"sorry_server_inhibit", v.sorry_server_inhibit},
              {"alpha", v.alpha},
              {"omega", v.omega},
              {"ha_suspend", v.ha_suspend},
              {"inhibit_on_failure", v.inhibit_on_failure},
              {"virtualhost", v.virtualhost},
              {"xdp_ring_size", v.xdp_ring_size},
              {"real_servers", reals}});
  add_inherited_timing(out, v);
  return out;
}

json virtual_server_group(const VirtualServerGroup& group) {
  json entries = json::array();
  for (const auto& e : group.entries) {
    if (e.is_fwmark) {
      entries.push_back({{"fwmark", e.fwmark}});
    } else {
      entries.push_back({{"address", address(e.first)}, {"last", address(e.last)}, {"port", e.port}});
    }
  }
  return {{"name", group.name}, {"location", location(group.location)}, {"entries", entries}};
}

}  // namespace

nlohmann::json vrrp_to_json(const Config& config) {
  json instances = json::array();
  for (const auto& i : config.vrrp_instances) instances.push_back(instance(i, config.global));
  json scripts = json::array();
  for (const auto& s : config.vrrp_scripts) scripts.push_back(script(s));
  json groups = json::array();
  for (const auto& g : config.sync_groups) groups.push_back(sync_group(g, config.global));
  json files = json::array();
  for (const auto& f : config.track_files) files.push_back(track_file(f));
  return {{"global_defs", global(config.global)},
          {"static_ipaddress", virtual_ips(config.static_ipaddresses)},
          {"static_routes", routes(config.static_routes)},
          {"static_rules", rules(config.static_rules)},
          {"vrrp_scripts", scripts},
          {"track_files", files},
          {"vrrp_instances", instances},
          {"vrrp_sync_groups", groups}};
}

nlohmann::json to_json(const Config& config) {
  json out = vrrp_to_json(config);
  json servers = json::array();
  for (const auto& v : config.virtual_servers) servers.push_back(virtual_server(v));
  json server_groups = json::array();
  for (const auto& g : config.virtual_server_groups) server_groups.push_back(virtual_server_group(g));
  out["virtual_server_groups"] = std::move(server_groups);
  out["virtual_servers"] = std::move(servers);
  return out;
}

std::string dump_config_json(const Config& config, int indent) {
  return to_json(config).dump(indent, ' ', false, json::error_handler_t::replace);
}

}  // namespace xdplb::config
