#include <doctest/doctest.h>

#include "config/dump_json.h"
#include "config_test_util.h"

using namespace xdplb::config;
using namespace xdplb::config::test;

TEST_CASE("dump_json: the resolved model of xdplb-full.conf, defaults and substitutions applied") {
  const auto result = load_config(std::string(XDPLB_SOURCE_DIR) + "/conf/xdplb-full.conf", grammar_only());
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  const auto json = to_json(*result.config);
  CHECK(json["global_defs"]["xdp_mode"] == "best");
  CHECK(json["global_defs"]["xdp_interface"] == "eth0");
  const auto& vi = json["vrrp_instances"][0];
  CHECK(vi["virtual_ipaddress"][0]["address"] == "198.18.0.100/24");
  CHECK(vi["advert_int"] == 1);
  CHECK(vi["version"] == 2);
  CHECK(vi["track_script"][1]["weight"] == 5);
  CHECK(vi["track_script"][0]["weight"].is_null());
  CHECK(json["vrrp_instances"][1]["advert_int"] == 0.5);
  CHECK(json["vrrp_instances"][1]["version"] == 3);
  CHECK(json["vrrp_scripts"][0]["timeout"] == 1.5);
  // A script without timeout shows the effective one: its interval.
  CHECK(json["vrrp_scripts"][1]["timeout"] == 5);
  const auto& vs = json["virtual_servers"][0];
  CHECK(vs["address"] == "198.18.0.100");
  CHECK(vs["lb_kind"] == "DR");
  CHECK(vs["xdp_ring_size"] == 65537);
  const auto& check = vs["real_servers"][0]["checkers"][0];
  CHECK(check["type"] == "HTTP_GET");
  CHECK(check["connect_timeout"] == 2.5);
  CHECK(check["url"][0]["status_code"] == nlohmann::json::array({"200", "204", "300-399"}));
  CHECK(vs["real_servers"][1]["checkers"][0]["type"] == "SSL_GET");
  CHECK(json["virtual_servers"][2]["group"] == "web_vips");
  CHECK(json["virtual_servers"][3]["fwmark"] == 9);
  CHECK(json["virtual_server_groups"][0]["entries"][0]["last"] == "198.18.0.112");
  CHECK(vs["location"].get<std::string>().ends_with("xdplb-full.conf:167:1"));
  // keepalived's names: track_file blocks, an instance's track_file line, UDP_CHECK and FILE_CHECK.
  CHECK(json["track_files"][0]["name"] == "drain_dns");
  CHECK(json["track_files"][0]["init_file"]["value"] == 0);
  CHECK(json["track_files"][1]["weight"] == -2);
  CHECK(json["vrrp_instances"][0]["track_file"][0] ==
        nlohmann::json({{"name", "load_offset"}, {"weight", -5}, {"reverse", false}}));
  const auto& dns = json["virtual_servers"][1]["real_servers"][1]["checkers"];
  CHECK(dns[1]["type"] == "UDP_CHECK");
  CHECK(dns[1]["payload"] == "0001");
  CHECK(dns[1]["require_reply_data"] == "000x");
  CHECK(dns[1]["max_reply_length"] == 512);
  CHECK(dns[1]["connect_timeout"] == 2);
  CHECK(dns[2]["type"] == "FILE_CHECK");
  CHECK(dns[2]["track_file"] == "drain_dns");
}

TEST_CASE("dump_json: substituted lb_algo shows what the data plane runs") {
  const auto result = load_text("virtual_server 198.18.0.1 80 {\n  lb_algo wlc\n}\n");
  REQUIRE(result.ok());
  const auto json = to_json(*result.config);
  CHECK(json["virtual_servers"][0]["lb_algo"] == "wlc");
  CHECK(json["virtual_servers"][0]["lb_algo_effective"] == "mh");
}

TEST_CASE("dump_json: bytes that are not UTF-8 are replaced, not fatal") {
  const auto result = load_text("global_defs {\n  router_id caf\xe9\n}\n");
  REQUIRE(result.ok());
  const auto text = dump_config_json(*result.config);
  CHECK(text.find("caf\xEF\xBF\xBD") != std::string::npos);
}

TEST_CASE("dump_json: vrrp_to_json is to_json without the virtual servers") {
  const auto result = load_config(std::string(XDPLB_SOURCE_DIR) + "/conf/xdplb-full.conf", grammar_only());
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  auto whole = to_json(*result.config);
  REQUIRE(!whole["virtual_servers"].empty());
  whole.erase("virtual_servers");
  whole.erase("virtual_server_groups");
  CHECK(vrrp_to_json(*result.config) == whole);
}
