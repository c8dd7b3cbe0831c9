#include "xdplbd/instance_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace xdplb::xdplbd {

namespace {

// Whether `fd` is the file `path` names now (the holder before us may have removed it since we
// opened it, and a newcomer may have made another).
bool still_named(int fd, const std::filesystem::path& path) {
  struct stat held {}, named {};
  return ::fstat(fd, &held) == 0 && ::stat(path.c_str(), &named) == 0 && held.st_dev == named.st_dev &&
         held.st_ino == named.st_ino;
}

}  // namespace

InstanceLock::InstanceLock(const std::filesystem::path& directory, const std::string& instance)
    : path_(directory / (instance + ".lock")) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  // A lock taken on a file its holder removed as we opened it is no lock: open the new one again.
  for (int attempt = 0; attempt < 8; ++attempt) {
    fd_.reset(::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd_) throw std::runtime_error("cannot open instance lock " + path_.native() + ": " + std::strerror(errno));
    if (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
      const int error = errno;
      fd_.reset();
      if (error == EWOULDBLOCK)
        throw std::runtime_error("instance " + instance + " is already running (" + path_.native() +
                                 " is locked); nothing was touched");
      throw std::runtime_error("cannot lock " + path_.native() + ": " + std::strerror(error));
    }
    if (still_named(fd_.get(), path_)) return;
  }
  fd_.reset();
  throw std::runtime_error("cannot lock " + path_.native() + ": it keeps being replaced");
}

InstanceLock::~InstanceLock() {
  // Removed while still held: whoever opened it meanwhile finds, once it has the lock, that the
  // name is gone, and opens afresh.
  if (fd_) ::unlink(path_.c_str());
}

}  // namespace xdplb::xdplbd
