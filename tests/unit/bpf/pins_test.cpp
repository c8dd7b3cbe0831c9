// Pinned maps across agent runs: a restart adopts them and established flows keep their backend.
#include <doctest/doctest.h>

#include "frame_table.h"

using namespace xdplb::test;

namespace {

std::vector<xdplb::dataplane::BackendSpec> backends(int n) {
  std::vector<xdplb::dataplane::BackendSpec> out;
  for (int i = 1; i <= n; ++i) out.push_back(backend(backend_ip(i)));
  return out;
}

FrameTable restart_table() {
  const Setup restart = {"an agent restart keeping the pins; the new run knows backends 1-4 only (5 is still being checked)",
                         [](Lab& lab) {
                           lab.restart_keeping_pins();
                           lab.lb().sync({vip("198.18.0.100", 80, backends(4))});
                         }};
  const Frames five_hundred = flows("198.18.0.100", 80, 500, 20000);
  return {
      {"established flows keep their backend across an agent restart with pinned maps",
       {
           forwarded("500 flows", five_hundred)
               .after(serve("VIP tcp/198.18.0.100:80 over backends 1-5", {vip("198.18.0.100", 80, backends(5))}))
               .remembered_as("before"),
           // Flows on 1-4 stay; flows that were on 5 re-choose among 1-4. The pinned counters carry
           // over: 500 packets before the restart, 500 after.
           forwarded("the same flows after the restart", five_hundred)
               .after(restart)
               .checking(as_remembered_but("before", 5, {1, 2, 3, 4}))
               .moving({{.vip = "tcp/198.18.0.100:80", .packets = 500, .packets_total = 1000}}),
       }},
  };
}

}  // namespace

TEST_CASE("pins: restart table") { run_frame_table(restart_table()); }
