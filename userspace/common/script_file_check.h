// keepalived's file rules for a script about to run (its check_script_secure): the program must be
// found, be a regular file and be executable by the user that runs it; and when it runs with root's
// power (uid 0, gid 0, or a set-uid/set-gid root file) no part of its path may be changeable by
// anyone but root. Only the program (argv[0]) is checked, as keepalived does: the file an
// interpreter is given as an argument (`/bin/sh /etc/x.sh`) is not.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace xdplb {

struct ScriptFileVerdict {
  std::string program;                  // the path to execute: a PATH search is resolved here
  std::optional<std::string> disabled;  // why the script must not run; unset: it may
  std::vector<std::string> warnings;    // allowed, but worth the operator's attention
};

// `script_security` is global_defs enable_script_security: an unsafe path then disables the script,
// otherwise it is only warned about. A bare name is searched in PATH (the agent's, else the system's
// default) for a file `uid`:`gid` may execute.
ScriptFileVerdict check_script_file(const std::string& program, uid_t uid, gid_t gid, bool script_security);

}  // namespace xdplb
