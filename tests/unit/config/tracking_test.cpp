// track_interface and track_script lines: "NAME [weight N [reverse]]" as keepalived 2.2.7 reads them
// (track_script also takes "noreverse"), and what --dump-config shows of them.
#include <doctest/doctest.h>

#include "config/dump_json.h"
#include "config_test_util.h"

using namespace xdplb::config;
using namespace xdplb::config::test;

namespace {

constexpr std::string_view scripts =
    "vrrp_script chk {\n  script \"/bin/true\"\n  weight -5 reverse\n}\n"
    "vrrp_script other {\n  script \"/bin/true\"\n}\n";

// The file with `tracking` inside VI_1; VI_1's first tracking line is line 15.
std::string with_tracking(std::string_view tracking) {
  return std::string(scripts) + "vrrp_instance VI_1 {\n" + std::string(minimal_instance_body) +
         std::string(tracking) + "}\n";
}

}  // namespace

TEST_CASE("tracking: reverse and noreverse are kept per line; without them the script's reverse applies") {
  const auto result = load_text(with_tracking(
      "  track_interface {\n    eth1 weight 10 reverse\n    eth2 weight -3\n    eth3\n  }\n"
      "  track_script {\n    chk\n    other weight 7 reverse\n  }\n"));
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  CHECK_MESSAGE(result.diagnostics.empty(), all_diagnostics(result));
  const auto& vi = result.config->vrrp_instances[0];
  REQUIRE(vi.track_interfaces.size() == 3);
  CHECK(vi.track_interfaces[0].reverse);
  CHECK(vi.track_interfaces[0].weight == 10);
  CHECK_FALSE(vi.track_interfaces[1].reverse);
  CHECK_FALSE(vi.track_interfaces[2].reverse);
  REQUIRE(vi.track_scripts.size() == 2);
  CHECK_FALSE(vi.track_scripts[0].reverse.has_value());
  CHECK(vi.track_scripts[1].reverse == true);
  CHECK(result.config->vrrp_scripts[0].weight_reverse);

  const auto json = to_json(*result.config);
  const auto& dumped = json["vrrp_instances"][0];
  CHECK(dumped["track_interface"][0]["reverse"] == true);
  CHECK(dumped["track_interface"][1]["reverse"] == false);
  CHECK(dumped["track_script"][0]["reverse"].is_null());  // the script's own: see vrrp_scripts
  CHECK(dumped["track_script"][1]["reverse"] == true);
  CHECK(json["vrrp_scripts"][0]["reverse"] == true);
  CHECK(json["vrrp_scripts"][1]["reverse"] == false);

  const auto no = load_text(with_tracking("  track_script {\n    chk weight 4 noreverse\n  }\n"));
  REQUIRE_MESSAGE(no.ok(), all_diagnostics(no));
  CHECK(no.config->vrrp_instances[0].track_scripts[0].reverse == false);
}

TEST_CASE("tracking: a word keepalived does not take after the weight is an error at that word") {
  // track_interface takes 'reverse' only (keepalived 2.2.7: "unknown track_interace ... option noreverse").
  const auto interface = load_text(with_tracking("  track_interface {\n    eth1 weight 10 noreverse\n  }\n"));
  CHECK_FALSE(interface.ok());
  CHECK(mentions(interface, "test.conf:15:20: error: expected 'reverse' after the weight of 'eth1', not 'noreverse'"));
  // keepalived's man page spells it no_reverse, keepalived 2.2.7 refuses that spelling.
  const auto script = load_text(with_tracking("  track_script {\n    chk weight 10 no_reverse\n  }\n"));
  CHECK_FALSE(script.ok());
  CHECK(mentions(script, "expected 'reverse' or 'noreverse' after the weight of 'chk', not 'no_reverse'"));
  // 'reverse' needs a weight before it.
  const auto bare = load_text(with_tracking("  track_script {\n    chk reverse\n  }\n"));
  CHECK_FALSE(bare.ok());
  CHECK(mentions(bare, "test.conf:15:9: error: expected 'weight N' after 'chk'"));
  const auto missing = load_text(with_tracking("  track_script {\n    chk weight\n  }\n"));
  CHECK_FALSE(missing.ok());
  CHECK(mentions(missing, "'weight' after 'chk' needs a number"));
}

TEST_CASE("tracking: weights are -253..253 as keepalived 2.2.7 enforces, for tracked lines and vrrp_script") {
  CHECK(load_text(with_tracking("  track_interface {\n    eth1 weight 253\n    eth2 weight -253\n  }\n")).ok());
  const auto high = load_text(with_tracking("  track_interface {\n    eth1 weight 254\n  }\n"));
  CHECK_FALSE(high.ok());
  CHECK(mentions(high, "tracking weight 254 is out of range (-253-253)"));
  const auto script = load_text("vrrp_script chk {\n  script \"/bin/true\"\n  weight -254\n}\n");
  CHECK_FALSE(script.ok());
  CHECK(mentions(script, "test.conf:3:10: error: weight -254 is out of range (-253-253)"));
}

// keepalived 2.2.7, run on this file, prints "(VI_1) ignoring tracked script chk2 with weights due to
// SYNC group", "(VI_1) ignoring tracked file tf with weight 5 ..." and "(VI_1) ignoring eth1 tracked
// interface weight ...", then runs without chk2 and tf and still applies eth1's weight.
constexpr const char* kSyncGroupMemberTracking =
    "vrrp_script chk0 {\n script /bin/true\n}\n"
    "vrrp_script chk2 {\n script /bin/true\n weight 4\n}\n"
    "track_file tf {\n file /run/xdplb-test/tf\n weight 5\n}\n"
    "track_file tf0 {\n file /run/xdplb-test/tf0\n weight 0\n}\n"
    "vrrp_sync_group G {\n group {\n  VI_1\n }\n track_script {\n  chk2 weight 3\n }\n}\n"
    "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress { 198.18.0.1 }\n"
    " track_script {\n  chk2\n  chk0 weight 0\n }\n"
    " track_file {\n  tf\n  tf0\n  tf weight 0\n }\n"
    " track_interface {\n  eth1 weight -20\n  eth2\n }\n}\n";

TEST_CASE("sync group members: weighted track_script and track_file entries are dropped, as keepalived does") {
  const auto result = load_text(kSyncGroupMemberTracking);
  INFO(all_diagnostics(result));
  REQUIRE(result.ok());
  const auto& instance = result.config->vrrp_instances.at(0);
  REQUIRE(instance.track_scripts.size() == 1);
  CHECK(instance.track_scripts[0].name == "chk0");
  REQUIRE(instance.track_files.size() == 2);
  CHECK(instance.track_files[0].name == "tf0");
  CHECK(instance.track_files[1].name == "tf");
  CHECK(instance.track_files[1].weight == 0);
  CHECK(instance.track_interfaces.size() == 2);
  // The group's own weighted entry stays: keepalived applies it to every member.
  REQUIRE(result.config->sync_groups.at(0).track_scripts.size() == 1);
  CHECK(mentions(result, "test.conf:29:3: warning: (VI_1) ignoring tracked script chk2 with weights due to "
                         "vrrp_sync_group G"));
  CHECK(mentions(result, "test.conf:33:3: warning: (VI_1) ignoring tracked file tf with weight 5 due to "
                         "vrrp_sync_group G"));
  CHECK(mentions(result, "test.conf:38:3: warning: (VI_1) track_interface eth1 weight -20 in a member of "
                         "vrrp_sync_group G: keepalived 2.2.7 says it ignores this weight but applies it"));
}

TEST_CASE("sync group members: sync_group_tracking_weight keeps their weighted entries") {
  std::string text = kSyncGroupMemberTracking;
  text.replace(text.find(" group {\n  VI_1"), 1, " sync_group_tracking_weight\n ");
  const auto result = load_text(text);
  INFO(all_diagnostics(result));
  REQUIRE(result.ok());
  CHECK(result.config->sync_groups.at(0).tracking_weight);
  const auto& instance = result.config->vrrp_instances.at(0);
  CHECK(instance.track_scripts.size() == 2);
  CHECK(instance.track_files.size() == 3);
  CHECK_FALSE(mentions(result, "ignoring tracked"));
  CHECK_FALSE(mentions(result, "says it ignores"));
}
