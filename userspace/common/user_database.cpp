#include "common/user_database.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace xdplb {

namespace {

// getpwnam_r and getgrnam_r report ERANGE when an entry (a group with many members) does not fit;
// the buffer then grows until it does.
constexpr std::size_t kInitialBuffer = 4096;
constexpr std::size_t kLargestBuffer = 1 << 20;

class SystemUserDatabase final : public UserDatabase {
 public:
  std::optional<UserIds> user(const std::string& name) const override {
    for (std::size_t size = kInitialBuffer; size <= kLargestBuffer; size *= 2) {
      std::vector<char> buffer(size);
      passwd entry{};
      passwd* found = nullptr;
      const int error = getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
      if (error == ERANGE) continue;
      if (error != 0 || found == nullptr) return std::nullopt;
      return UserIds{found->pw_uid, found->pw_gid};
    }
    return std::nullopt;
  }

  std::optional<gid_t> group(const std::string& name) const override {
    for (std::size_t size = kInitialBuffer; size <= kLargestBuffer; size *= 2) {
      std::vector<char> buffer(size);
      struct group entry{};
      struct group* found = nullptr;
      const int error = getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
      if (error == ERANGE) continue;
      if (error != 0 || found == nullptr) return std::nullopt;
      return found->gr_gid;
    }
    return std::nullopt;
  }
};

}  // namespace

const UserDatabase& system_user_database() {
  static const SystemUserDatabase database;
  return database;
}

}  // namespace xdplb
