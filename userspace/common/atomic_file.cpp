#include "common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "common/unique_fd.h"

namespace xdplb {

namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& temporary, int error) {
  ::unlink(temporary.c_str());
  throw std::runtime_error("cannot write " + path.native() + ": " + std::strerror(error));
}

}  // namespace

void replace_file_atomically(const std::filesystem::path& path, const std::string& contents, mode_t mode) {
  // One name per file: its writers are one agent (the instance lock), and a crashed run's leftover
  // is found and replaced by the next write.
  const std::string temporary = path.native() + ".tmp";
  // A temporary left by a crashed run goes; O_EXCL then never writes through a planted link.
  ::unlink(temporary.c_str());
  UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (fd.get() < 0) throw std::runtime_error("cannot write " + path.native() + ": " + std::strerror(errno));
  // O_CREAT's mode is filtered by the umask; the file gets exactly `mode`.
  if (::fchmod(fd.get(), mode) != 0) fail(path, temporary, errno);
  std::size_t written = 0;
  while (written < contents.size()) {
    const auto n = ::write(fd.get(), contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(path, temporary, errno);
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) fail(path, temporary, errno);
  if (::close(fd.release()) != 0) fail(path, temporary, errno);
  if (::rename(temporary.c_str(), path.c_str()) != 0) fail(path, temporary, errno);
  // The rename itself reaches the disk with the directory.
  const auto directory = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  UniqueFd dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0) ::fsync(dir.get());
}

}  // namespace xdplb
