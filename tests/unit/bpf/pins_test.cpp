// Pinned maps across agent runs: a restart adopts them and established flows keep their backend;
// pins of another layout (ABI version) are refused and left for the operator to remove.
#include <bpf/bpf.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include <doctest/doctest.h>

#include "common/unique_fd.h"
#include "dataplane/bpffs.h"
#include "dataplane/xdp_program.h"
#include "frame_table.h"

using namespace xdplb::test;
using xdplb::UniqueFd;
using xdplb::dataplane::XdpProgram;

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

// A pin directory of this test's own (unique per run), removed at the end whatever happens.
struct ScratchPins {
  std::string dir;
  ScratchPins() {
    static std::atomic<int> counter{0};
    dir = xdplb::dataplane::pin_dir_for_instance("unit-abi-" + std::to_string(getpid()) + "-" +
                                                  std::to_string(counter++));
  }
  ~ScratchPins() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  std::string path(const char* map) const { return dir + "/" + map; }
};

UniqueFd open_abi_map(const ScratchPins& pins) { return UniqueFd(bpf_obj_get(pins.path("xdplb_abi").c_str())); }

std::uint32_t pinned_version(const ScratchPins& pins) {
  const UniqueFd fd = open_abi_map(pins);
  REQUIRE(fd);
  const __u32 key = 0;
  xdplb_abi abi{};
  REQUIRE(bpf_map_lookup_elem(fd.get(), &key, &abi) == 0);
  return abi.version;
}

void pin_version(const ScratchPins& pins, std::uint32_t version) {
  const UniqueFd fd = open_abi_map(pins);
  REQUIRE(fd);
  const __u32 key = 0;
  const xdplb_abi abi{version};
  REQUIRE(bpf_map_update_elem(fd.get(), &key, &abi, BPF_ANY) == 0);
}

// What XdpProgram::load says when it refuses the pins; "" when it adopts them.
std::string refusal(const ScratchPins& pins) {
  try {
    XdpProgram::load(pins.dir);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return {};
}

}  // namespace

TEST_CASE("pins: restart table") { run_frame_table(restart_table()); }

// bpftool prints the version decoded only if the map carries the program's BTF.
TEST_CASE("new pins record this build's ABI version in xdplb_abi, with BTF") {
  ScratchPins pins;
  const auto program = XdpProgram::load(pins.dir);
  CHECK_FALSE(program->reused_pins());
  const UniqueFd fd = open_abi_map(pins);
  REQUIRE(fd);
  bpf_map_info info{};
  __u32 len = sizeof(info);
  REQUIRE(bpf_obj_get_info_by_fd(fd.get(), &info, &len) == 0);
  CHECK(info.btf_id != 0);
  CHECK(info.btf_value_type_id != 0);
  CHECK(info.value_size == sizeof(xdplb_abi));
  CHECK(info.max_entries == 1);
  CHECK(pinned_version(pins) == XDPLB_ABI_VERSION);
}

TEST_CASE("pins of this build's ABI version are adopted") {
  ScratchPins pins;
  XdpProgram::load(pins.dir).reset();  // the pins stay: only unpin_maps removes them
  const auto again = XdpProgram::load(pins.dir);
  CHECK(again->reused_pins());
  CHECK(pinned_version(pins) == XDPLB_ABI_VERSION);
}

TEST_CASE("pins of another ABI version, or of none, are refused with the advice to remove them, and stay") {
  ScratchPins pins;
  XdpProgram::load(pins.dir).reset();
  const std::string advice =
      "maps pinned under " + pins.dir + " by an incompatible xdplb version are refused: remove them";
  SUBCASE("another version") {
    pin_version(pins, XDPLB_ABI_VERSION + 1);
    const std::string said = refusal(pins);
    CHECK(said.rfind(advice, 0) == 0);
    CHECK(said.find("ABI version " + std::to_string(XDPLB_ABI_VERSION + 1)) != std::string::npos);
    CHECK(pinned_version(pins) == XDPLB_ABI_VERSION + 1);
  }
  SUBCASE("no version map beside the other pins") {
    REQUIRE(::unlink(pins.path("xdplb_abi").c_str()) == 0);
    CHECK(refusal(pins).rfind(advice, 0) == 0);
    CHECK_FALSE(std::filesystem::exists(pins.path("xdplb_abi")));
  }
  CHECK(std::filesystem::exists(pins.path("xdplb_vips")));
  CHECK(std::filesystem::exists(pins.path("xdplb_conntrack")));
}
