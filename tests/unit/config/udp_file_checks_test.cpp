// UDP_CHECK, FILE_CHECK, track_file blocks and the track_file lists of instances and sync groups.
#include <doctest/doctest.h>

#include "config/config_test_util.h"

using namespace xdplb::config;
using namespace xdplb::config::test;

namespace {

const char* kTrackFiles = R"(
track_file tf1 {
  file "/run/xdplb-test/tf1"
  weight -10 reverse
  init_file 3 overwrite
}
vrrp_track_file old {
  file /run/xdplb-test/old
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 5
  virtual_ipaddress { 198.18.0.1 }
  track_file {
    tf1 weight 5 noreverse
    old
  }
}
vrrp_sync_group G {
  group { VI_1 }
  track_file { old weight 0 }
  sync_group_tracking_weight
}
)";

}  // namespace

TEST_CASE("track_file: the block, its old name and the references of an instance and a sync group") {
  const auto result = load_text(kTrackFiles);
  INFO(all_diagnostics(result));
  REQUIRE(error_lines(result).empty());
  const auto& config = *result.config;
  REQUIRE(config.track_files.size() == 2);
  CHECK(config.track_files[0].file == "/run/xdplb-test/tf1");
  CHECK(config.track_files[0].weight == -10);
  CHECK(config.track_files[0].weight_reverse);
  CHECK(config.track_files[0].init == TrackFileInit::overwrite);
  CHECK(config.track_files[0].init_value == 3);
  CHECK(config.track_files[1].weight == 1);
  const auto& tracked = config.vrrp_instances[0].track_files;
  REQUIRE(tracked.size() == 2);
  CHECK(tracked[0].weight == 5);
  CHECK(tracked[0].reverse == false);
  CHECK_FALSE(tracked[1].weight);
  REQUIRE(config.sync_groups[0].track_files.size() == 1);
  CHECK(config.sync_groups[0].track_files[0].weight == 0);
}

TEST_CASE("track_file: mistakes are errors at their place") {
  CHECK(error_lines(load_text("track_file t {\n weight 5\n}\n")) == std::vector<std::string>{"test.conf:1"});
  CHECK(error_lines(load_text("track_file t {\n file /x\n weight 300\n}\n")) == std::vector<std::string>{"test.conf:3"});
  CHECK(error_lines(load_text("track_file t {\n file /x\n init_file 1 sideways\n}\n")) ==
        std::vector<std::string>{"test.conf:3"});
  const auto unknown = load_text(
      "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress { 198.18.0.1 }\n"
      " track_file {\n  nope\n }\n}\n");
  CHECK(error_lines(unknown) == std::vector<std::string>{"test.conf:6"});
  const auto owner = load_text(
      "track_file t { file /x }\nvrrp_instance V {\n interface eth0\n virtual_router_id 1\n priority 255\n"
      " virtual_ipaddress { 198.18.0.1 }\n track_file {\n  t\n }\n}\n");
  CHECK(mentions(owner, "test.conf:8:3: error: vrrp_instance V is the address owner (priority 255): its track_file t needs weight 0"));
}

TEST_CASE("UDP_CHECK and FILE_CHECK in a real_server") {
  const auto result = load_text(R"(
track_file tf { file /x }
virtual_server 198.18.0.10 53 {
  protocol UDP
  lb_kind DR
  real_server 198.18.0.11 53 {
    UDP_CHECK {
      connect_port 5353
      payload Ab12f 3 456 546443123
      require_reply 0a0bx xX
      min_reply_length 2
      max_reply_length 100
    }
    FILE_CHECK {
      track_file tf
      weight 2 reverse
    }
  }
}
)");
  INFO(all_diagnostics(result));
  REQUIRE(error_lines(result).empty());
  const auto& checkers = result.config->virtual_servers[0].real_servers[0].checkers;
  REQUIRE(checkers.size() == 2);
  const auto& udp = std::get<UdpCheck>(checkers[0]);
  CHECK(udp.connect_port == 5353);
  CHECK(udp.payload == std::vector<std::uint8_t>{0xAB, 0x12, 0x0F, 0x03, 0x45, 0x06, 0x54, 0x64, 0x43, 0x12, 0x03});
  CHECK(udp.require_reply);
  CHECK(udp.reply_data == std::vector<std::uint8_t>{0x0A, 0x0B, 0x00, 0x00});
  CHECK(udp.reply_mask == std::vector<std::uint8_t>{0x00, 0x00, 0x0F, 0xFF});
  CHECK(udp.min_reply_length == 2);
  CHECK(udp.max_reply_length == 100);
  const auto& file = std::get<FileCheck>(checkers[1]);
  CHECK(file.track_file == "tf");
  CHECK(file.weight == 2);
  CHECK(file.reverse);
}

TEST_CASE("UDP_CHECK / FILE_CHECK mistakes, and a real server whose only checker is BFD_CHECK") {
  const auto wrap = [](const std::string& checker) {
    return "virtual_server 198.18.0.10 53 {\n lb_kind DR\n real_server 198.18.0.11 53 {\n" + checker + "\n }\n}\n";
  };
  CHECK(error_lines(load_text(wrap("UDP_CHECK {\n payload zz\n}"))) == std::vector<std::string>{"test.conf:5"});
  CHECK(error_lines(load_text(wrap("UDP_CHECK {\n min_reply_length 300\n}"))) ==
        std::vector<std::string>{"test.conf:5"});
  CHECK(error_lines(load_text(wrap("FILE_CHECK {\n weight 1\n}"))) == std::vector<std::string>{"test.conf:4"});
  CHECK(error_lines(load_text(wrap("FILE_CHECK {\n track_file none\n}"))) == std::vector<std::string>{"test.conf:4"});
  const auto bfd = load_text(wrap("BFD_CHECK {\n name b\n}"));
  CHECK(error_lines(bfd).empty());
  CHECK(mentions(bfd, "'BFD_CHECK' is not applicable to xdplb (xdplb has no BFD"));
  CHECK(mentions(bfd, "has no health checker; it is always considered up"));
}
