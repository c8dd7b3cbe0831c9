#include "common/notify_fifo.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include <spdlog/spdlog.h>

namespace xdplb {

NotifyFifo::NotifyFifo(std::string path) : path_(std::move(path)) {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    if (errno != ENOENT || ::mkfifo(path_.c_str(), 0600) != 0)
      throw std::system_error(errno, std::generic_category(), "create notify FIFO " + path_);
  } else if (!S_ISFIFO(st.st_mode)) {
    throw std::system_error(EEXIST, std::generic_category(), "notify FIFO " + path_ + " exists and is not a FIFO");
  }
  fd_.reset(::open(path_.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (!fd_) throw std::system_error(errno, std::generic_category(), "open notify FIFO " + path_);
}

void NotifyFifo::write_line(const std::string& line) {
  const ssize_t n = ::write(fd_.get(), line.data(), line.size());
  if (n == static_cast<ssize_t>(line.size())) return;
  spdlog::warn("notify FIFO {}: line dropped ({}): {}", path_, n < 0 ? std::strerror(errno) : "short write",
               line.substr(0, line.size() - 1));
}

}  // namespace xdplb
