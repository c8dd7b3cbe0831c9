// sd_notify: the datagram reaches the socket named by NOTIFY_SOCKET, path or abstract.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

#include <doctest/doctest.h>

#include "common/sd_notify.h"
#include "common/unique_fd.h"

namespace {

// A datagram socket bound at `name` (a path, or "@..." for the abstract namespace).
xdplb::UniqueFd bind_notify_socket(const std::string& name) {
  xdplb::UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  REQUIRE(fd);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, name.data(), name.size());
  if (name[0] == '@') addr.sun_path[0] = '\0';
  REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr),
                 static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size())) == 0);
  return fd;
}

std::string receive(int fd) {
  char buf[256];
  const ssize_t n = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

}  // namespace

TEST_CASE("sd_notify sends the state to a path socket and to an abstract one") {
  const std::string path = "/tmp/xdplb-notify-" + std::to_string(getpid());
  ::unlink(path.c_str());
  auto fd = bind_notify_socket(path);
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  CHECK(xdplb::sd_notify("READY=1"));
  CHECK(receive(fd.get()) == "READY=1");
  ::unlink(path.c_str());

  const std::string abstract = "@xdplb-notify-" + std::to_string(getpid());
  auto afd = bind_notify_socket(abstract);
  ::setenv("NOTIFY_SOCKET", abstract.c_str(), 1);
  CHECK(xdplb::sd_notify("STOPPING=1"));
  CHECK(receive(afd.get()) == "STOPPING=1");
  ::unsetenv("NOTIFY_SOCKET");
}

TEST_CASE("sd_notify without systemd or with a bad socket name does nothing and says so") {
  ::unsetenv("NOTIFY_SOCKET");
  CHECK_FALSE(xdplb::sd_notify("READY=1"));
  ::setenv("NOTIFY_SOCKET", "relative/path", 1);
  CHECK_FALSE(xdplb::sd_notify("READY=1"));
  ::setenv("NOTIFY_SOCKET", "/nonexistent/dir/sock", 1);
  CHECK_FALSE(xdplb::sd_notify("READY=1"));
  ::unsetenv("NOTIFY_SOCKET");
}
