// Who a user or group name is on this host. Script identity (script_identity.h) asks through this
// interface so that its rules are tested with a fake database, and run with the host's.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace xdplb {

struct UserIds {
  uid_t uid = 0;
  gid_t gid = 0;  // the user's primary group
};

class UserDatabase {
 public:
  virtual ~UserDatabase() = default;
  virtual std::optional<UserIds> user(const std::string& name) const = 0;
  virtual std::optional<gid_t> group(const std::string& name) const = 0;
};

// The host's password and group databases (getpwnam_r / getgrnam_r, so NSS sources count too).
const UserDatabase& system_user_database();

}  // namespace xdplb
