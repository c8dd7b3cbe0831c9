#include "config/check_scripts.h"

#include <set>

#include "common/script_identity.h"

namespace xdplb::config {

namespace {

struct ConfiguredScript {
  std::string what;  // "vrrp_instance VI_1 notify_master", for messages
  std::string command;
  std::string user;
  std::string group;
  SourceLocation where;
  SourceLocation user_where;  // a block's `user` line, else `where`
  bool user_on_script_line = false;  // `KEYWORD SCRIPT USER [GROUP]`: a quoting slip reads as a user
  // keepalived 2.2.7 reports a vrrp_script it disables (-t exits 5); a notify or MISC_CHECK script
  // it disables, it disables quietly.
  bool reported_when_disabled = false;
};

void add_line(std::vector<ConfiguredScript>& out, const std::string& owner, std::string_view keyword,
              const ScriptCommand& script, const KeywordLocations& keywords, const SourceLocation& fallback) {
  if (script.empty()) return;
  out.push_back({owner.empty() ? std::string(keyword) : owner + " " + std::string(keyword), script.command,
                 script.user, script.group, keywords.at_or(keyword, fallback),
                 keywords.at_or(keyword, fallback), true});
}

void add_notify(std::vector<ConfiguredScript>& out, const std::string& owner, const NotifyScripts& n,
                const KeywordLocations& keywords, const SourceLocation& fallback) {
  add_line(out, owner, "notify_master", n.master, keywords, fallback);
  add_line(out, owner, "notify_backup", n.backup, keywords, fallback);
  add_line(out, owner, "notify_fault", n.fault, keywords, fallback);
  add_line(out, owner, "notify_stop", n.stop, keywords, fallback);
  add_line(out, owner, "notify", n.any, keywords, fallback);
}

std::string virtual_server_name(const VirtualServer& vs) {
  switch (vs.kind) {
    case VirtualServerKind::address: return "virtual_server " + vs.address.to_string() + " " + std::to_string(vs.port);
    case VirtualServerKind::fwmark: return "virtual_server fwmark " + std::to_string(vs.fwmark);
    case VirtualServerKind::group: return "virtual_server group " + vs.group;
  }
  return "virtual_server";
}

std::vector<ConfiguredScript> every_script(const Config& config) {
  std::vector<ConfiguredScript> out;
  const auto& g = config.global;
  add_line(out, "", "notify_fifo_script", g.notify_fifo_script, g.keywords, g.location);
  add_line(out, "", "vrrp_notify_fifo_script", g.vrrp_notify_fifo_script, g.keywords, g.location);
  add_line(out, "", "lvs_notify_fifo_script", g.lvs_notify_fifo_script, g.keywords, g.location);
  for (const auto& vs : config.vrrp_scripts)
    out.push_back({"vrrp_script " + vs.name, vs.script, vs.user, vs.group,
                   vs.keywords.at_or("script", vs.location),
                   vs.keywords.at_or(vs.user.empty() ? "script" : "user", vs.location), false, true});
  for (const auto& vi : config.vrrp_instances)
    add_notify(out, "vrrp_instance " + vi.name, vi.notify, vi.keywords, vi.location);
  for (const auto& group : config.sync_groups)
    add_notify(out, "vrrp_sync_group " + group.name, group.notify, group.keywords, group.location);
  for (const auto& vs : config.virtual_servers) {
    const std::string vs_name = virtual_server_name(vs);
    add_line(out, vs_name, "quorum_up", vs.quorum_up, vs.keywords, vs.location);
    add_line(out, vs_name, "quorum_down", vs.quorum_down, vs.keywords, vs.location);
    for (const auto& rs : vs.real_servers) {
      const std::string rs_name = "real_server " + rs.address.to_string();
      add_line(out, rs_name, "notify_up", rs.notify_up, rs.keywords, rs.location);
      add_line(out, rs_name, "notify_down", rs.notify_down, rs.keywords, rs.location);
      for (const auto& checker : rs.checkers)
        if (const auto* misc = std::get_if<MiscCheck>(&checker))
          out.push_back({rs_name + " MISC_CHECK", misc->misc_path, misc->user, misc->group,
                         misc->keywords.at_or("misc_path", misc->location),
                         misc->keywords.at_or(misc->user.empty() ? "misc_path" : "user", misc->location),
                         false});
    }
  }
  return out;
}

}  // namespace

xdplb::ScriptDefaults script_defaults(const GlobalDefs& global) {
  return {global.script_user, global.script_group, global.enable_script_security};
}

void check_scripts(const Config& config, const UserDatabase& users, Diagnostics& diagnostics) {
  const auto defaults = script_defaults(config.global);
  const auto scripts = every_script(config);
  std::set<std::string> said_once;  // host-wide warnings (the default user is missing) are given once
  const ConfiguredScript* first_to_run = nullptr;
  for (const auto& s : scripts) {
    const auto planned = plan_script(s.command, s.user, s.group, defaults, users);
    for (const auto& warning : planned.warnings) {
      if (warning.rfind("the default script user", 0) == 0) {
        if (said_once.insert(warning).second) diagnostics.warning(s.where, warning);
        continue;
      }
      diagnostics.warning(s.where, s.what + ": " + warning);
    }
    if (planned.error) {
      std::string message = s.what + ": " + *planned.error;
      if (s.user_on_script_line && !s.user.empty() && planned.error_is_user)
        message += " (the words after the script are its user and group, as in keepalived: quote a command line "
                   "that has arguments)";
      // A missing user is the user line's fault; a missing default user or a bad command the script's.
      diagnostics.error(planned.error_is_user && !s.user.empty() ? s.user_where : s.where, message);
    } else if (planned.disabled) {
      diagnostics.warning(s.where, s.what + " is disabled: " + *planned.disabled,
                          s.reported_when_disabled ? KeepalivedReport::config : KeepalivedReport::none);
    } else if (!first_to_run) {
      first_to_run = &s;
    }
  }
  // keepalived's SECURITY VIOLATION, given when a script will run (-t exits 6): nothing guards the
  // scripts' files.
  if (first_to_run && !config.global.enable_script_security)
    diagnostics.warning(first_to_run->where,
                        "scripts will run but enable_script_security is not set: a script writable by others "
                        "would still run (keepalived 2.2.7's SECURITY VIOLATION)",
                        KeepalivedReport::script_security);
}

}  // namespace xdplb::config
