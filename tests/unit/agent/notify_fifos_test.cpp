// The checkers' notify FIFO lines, in keepalived's words, and the FIFOs a configuration opens.
#include <sys/stat.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "agent/notify_fifos.h"

using namespace xdplb::agent;

TEST_CASE("notify FIFO lines name endpoints as keepalived does: [address]:protocol:port") {
  CHECK(real_server_fifo_line("tcp/198.18.0.100:80", "198.18.0.11:80", false) ==
        "RS [198.18.0.11]:tcp:80 [198.18.0.100]:tcp:80 DOWN\n");
  CHECK(real_server_fifo_line("udp/[fd00::100]:53", "[fd00::11]:5353", true) ==
        "RS [fd00::11]:udp:5353 [fd00::100]:udp:53 UP\n");
  CHECK(virtual_server_fifo_line("tcp/198.18.0.100:80", true) == "VS [198.18.0.100]:tcp:80 UP\n");
  // A port-0 service, and a virtual_server_group service (no single address to print).
  CHECK(virtual_server_fifo_line("tcp/198.18.0.100:*", false) == "VS [198.18.0.100]:tcp:0 DOWN\n");
  CHECK(virtual_server_fifo_line("group/WEB/tcp", false) == "VS [group/WEB/tcp] DOWN\n");
  CHECK(real_server_fifo_line("group/WEB/tcp", "198.18.0.11:80", true) ==
        "RS [198.18.0.11:80] [group/WEB/tcp] UP\n");
}

TEST_CASE("NotifyFifos creates every configured FIFO; one that cannot be made is a clear error") {
  const auto dir = std::filesystem::temp_directory_path() / ("xdplb-fifos-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  asio::io_context io;
  xdplb::config::GlobalDefs g;
  g.notify_fifo = (dir / "all").string();
  g.vrrp_notify_fifo = (dir / "vrrp").string();
  g.lvs_notify_fifo = (dir / "lvs").string();
  {
    NotifyFifos fifos(io, g);
    for (const char* name : {"all", "vrrp", "lvs"}) {
      struct stat st {};
      CAPTURE(name);
      REQUIRE(::stat((dir / name).c_str(), &st) == 0);
      CHECK(S_ISFIFO(st.st_mode));
    }
  }
  xdplb::config::GlobalDefs same = g;
  CHECK(NotifyFifos::same_settings(g, same));
  same.lvs_notify_fifo_script.command = "/bin/cat";
  CHECK_FALSE(NotifyFifos::same_settings(g, same));

  xdplb::config::GlobalDefs bad;
  bad.lvs_notify_fifo = (dir / "missing-dir" / "lvs").string();
  CHECK_THROWS_WITH_AS(NotifyFifos(io, bad), doctest::Contains("missing-dir/lvs"), std::runtime_error);
  std::filesystem::remove_all(dir);
}
