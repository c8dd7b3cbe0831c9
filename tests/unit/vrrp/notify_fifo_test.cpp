// keepalived's notify FIFO lines, and a FIFO that never blocks the agent.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include <doctest/doctest.h>

#include "common/unique_fd.h"
#include "vrrp/notify_fifo.h"

using namespace xdplb::vrrp;

namespace {

std::string temp_path(const char* name) {
  return (std::filesystem::temp_directory_path() / (std::string("xdplb-") + name + "-" + std::to_string(getpid())))
      .string();
}

}  // namespace

TEST_CASE("notify FIFO lines are keepalived's") {
  CHECK(notify_fifo_line(NotifySubject::instance, "VI_1", State::master, 100) == "INSTANCE \"VI_1\" MASTER 100\n");
  CHECK(notify_fifo_line(NotifySubject::group, "G1", State::backup, 0) == "GROUP \"G1\" BACKUP 0\n");
  CHECK(notify_fifo_line(NotifySubject::instance, "VI_2", State::fault, 90) == "INSTANCE \"VI_2\" FAULT 90\n");
}

TEST_CASE("the FIFO is created, never blocks without a reader, and delivers lines in order") {
  const std::string path = temp_path("fifo");
  std::filesystem::remove(path);
  {
    NotifyFifo fifo(path);
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK(S_ISFIFO(st.st_mode));
    CHECK((st.st_mode & 0777) == 0600);
    fifo.write_line("INSTANCE \"VI_1\" BACKUP 100\n");  // no reader yet: buffered, never blocking
    xdplb::UniqueFd reader(::open(path.c_str(), O_RDONLY | O_NONBLOCK));
    REQUIRE(reader);
    fifo.write_line("INSTANCE \"VI_1\" MASTER 100\n");
    char buf[256];
    const ssize_t n = ::read(reader.get(), buf, sizeof(buf));
    REQUIRE(n > 0);
    CHECK(std::string(buf, static_cast<size_t>(n)) == "INSTANCE \"VI_1\" BACKUP 100\nINSTANCE \"VI_1\" MASTER 100\n");
  }
  std::filesystem::remove(path);
}

TEST_CASE("a path that exists and is not a FIFO is refused") {
  const std::string path = temp_path("notfifo");
  std::ofstream(path) << "x";
  CHECK_THROWS_AS(NotifyFifo{path}, std::system_error);
  std::filesystem::remove(path);
  CHECK_THROWS_AS(NotifyFifo{"/nonexistent-dir/fifo"}, std::system_error);
}

TEST_CASE("a full FIFO drops the line instead of stalling") {
  const std::string path = temp_path("full");
  std::filesystem::remove(path);
  NotifyFifo fifo(path);
  const std::string line(4000, 'x');
  for (int i = 0; i < 64; ++i) fifo.write_line(line + "\n");  // 64 x 4 KB > the 64 KiB pipe: returns anyway
  std::filesystem::remove(path);
}
