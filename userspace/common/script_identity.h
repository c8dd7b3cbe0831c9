// The one rule for who runs a script, and whether it may run, for every kind of script the
// configuration names: vrrp_script, the VRRP notify scripts, MISC_CHECK, notify_up/notify_down,
// quorum_up/quorum_down and the notify FIFO readers. keepalived 2.2's rules:
//   - the script's own user (vrrp_script/MISC_CHECK `user USER [GROUP]`, `notify_* SCRIPT USER
//     [GROUP]`) wins; its group is GROUP, else that user's primary group;
//   - else global_defs `script_user USER [GROUP]`;
//   - else the user keepalived_script when it exists;
//   - else root, with a warning - unless enable_script_security is set, which never falls back to
//     root: root runs a script only when written as its user;
//   - a user or group that does not exist is a configuration error;
//   - then the file rules of script_file_check.h, which disable (do not refuse) a script.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/user_database.h"

namespace xdplb {

// keepalived's unprivileged default user for scripts.
inline constexpr const char* kDefaultScriptUser = "keepalived_script";

// global_defs: script_user, its group, enable_script_security.
struct ScriptDefaults {
  std::string user;
  std::string group;
  bool script_security = false;
};

struct ScriptIdentity {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string user;  // the name it came from, for logs ("root" for the fallback)
};

struct IdentityVerdict {
  std::optional<ScriptIdentity> identity;  // unset: `error` says why none may run the script
  std::string error;
  std::vector<std::string> warnings;
};

// Who runs a script whose own user and group are `own_user`/`own_group` (empty: not written).
IdentityVerdict resolve_script_identity(const std::string& own_user, const std::string& own_group,
                                        const ScriptDefaults& defaults, const UserDatabase& users);

struct PlannedScript {
  std::vector<std::string> argv;  // argv[0] resolved to the path that was checked
  ScriptIdentity identity;
  std::vector<std::string> warnings;
  // The configuration is wrong (no such user or group, no user allowed, a command that does not
  // split into words): keepalived reports a configuration error, xdplb refuses the file.
  std::optional<std::string> error;
  bool error_is_user = false;  // the error names the user or group (not the command)
  // The host's file makes the script unsafe or unrunnable: keepalived disables the script and runs
  // on, and so does xdplb.
  std::optional<std::string> disabled;

  bool runnable() const { return !error && !disabled; }
  // The one reason it will not run, for a log line.
  std::string why_not() const { return error ? *error : disabled.value_or(""); }
};

// Splits `command` (common/process.h rules), resolves its identity and checks its file.
PlannedScript plan_script(std::string_view command, const std::string& own_user, const std::string& own_group,
                          const ScriptDefaults& defaults, const UserDatabase& users);

// The command string for a runner that splits it again: `command` as written when the check kept
// its program path, else the checked words quoted (a PATH search was resolved), so the runner
// executes the file that was checked.
std::string checked_command(std::string_view command, const PlannedScript& planned);

}  // namespace xdplb
