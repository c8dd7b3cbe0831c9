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
