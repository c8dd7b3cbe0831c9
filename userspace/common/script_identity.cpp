#include "common/script_identity.h"

#include "common/process.h"
#include "common/script_file_check.h"

namespace xdplb {

namespace {

// `who` names where the name was written, for the message: "script user", "script_user".
IdentityVerdict named_identity(const std::string& user, const std::string& group, const std::string& who,
                               const UserDatabase& users) {
  IdentityVerdict verdict;
  const auto ids = users.user(user);
  if (!ids) {
    verdict.error = who + " '" + user + "' does not exist";
    return verdict;
  }
  ScriptIdentity identity{ids->uid, ids->gid, user};
  if (!group.empty()) {
    const auto gid = users.group(group);
    if (!gid) {
      verdict.error = who + " group '" + group + "' does not exist";
      return verdict;
    }
    identity.gid = *gid;
  }
  verdict.identity = identity;
  return verdict;
}

}  // namespace

IdentityVerdict resolve_script_identity(const std::string& own_user, const std::string& own_group,
                                        const ScriptDefaults& defaults, const UserDatabase& users) {
  if (!own_user.empty()) return named_identity(own_user, own_group, "script user", users);
  if (!defaults.user.empty()) return named_identity(defaults.user, defaults.group, "script_user", users);
  IdentityVerdict verdict;
  if (const auto ids = users.user(kDefaultScriptUser)) {
    verdict.identity = ScriptIdentity{ids->uid, ids->gid, kDefaultScriptUser};
    return verdict;
  }
  if (defaults.script_security) {
    verdict.error = std::string("enable_script_security does not run scripts as root by default: no script_user "
                                "is set and the default user ") +
                    kDefaultScriptUser + " does not exist (create it, or set script_user; root only if written)";
    return verdict;
  }
  verdict.identity = ScriptIdentity{0, 0, "root"};
  verdict.warnings.push_back(std::string("the default script user ") + kDefaultScriptUser +
                             " does not exist: scripts run as root (create it, or set script_user)");
  return verdict;
}

PlannedScript plan_script(std::string_view command, const std::string& own_user, const std::string& own_group,
                          const ScriptDefaults& defaults, const UserDatabase& users) {
  PlannedScript planned;
  try {
    planned.argv = split_command_line(command);
  } catch (const CommandLineError& e) {
    planned.error = e.what();
    return planned;
  }
  if (planned.argv.empty()) {
    planned.error = "the command is empty";
    return planned;
  }
  auto identity = resolve_script_identity(own_user, own_group, defaults, users);
  planned.warnings = std::move(identity.warnings);
  if (!identity.identity) {
    planned.error = identity.error;
    planned.error_is_user = true;
    return planned;
  }
  planned.identity = *identity.identity;
  auto file = check_script_file(planned.argv.front(), planned.identity.uid, planned.identity.gid,
                                defaults.script_security);
  planned.argv.front() = file.program;
  planned.warnings.insert(planned.warnings.end(), file.warnings.begin(), file.warnings.end());
  planned.disabled = std::move(file.disabled);
  return planned;
}

std::string checked_command(std::string_view command, const PlannedScript& planned) {
  if (planned.argv.empty()) return std::string(command);
  const auto written = split_command_line(command);
  return written.front() == planned.argv.front() ? std::string(command) : join_command_line(planned.argv);
}

}  // namespace xdplb
