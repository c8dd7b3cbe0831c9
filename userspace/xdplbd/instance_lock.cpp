#include "xdplbd/instance_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace xdplb::xdplbd {

InstanceLock::InstanceLock(const std::filesystem::path& directory, const std::string& instance) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  const auto path = directory / (instance + ".lock");
  fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd_) throw std::runtime_error("cannot open instance lock " + path.native() + ": " + std::strerror(errno));
  if (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    fd_.reset();
    if (error == EWOULDBLOCK)
      throw std::runtime_error("instance " + instance + " is already running (" + path.native() +
                               " is locked); nothing was touched");
    throw std::runtime_error("cannot lock " + path.native() + ": " + std::strerror(error));
  }
}

}  // namespace xdplb::xdplbd
