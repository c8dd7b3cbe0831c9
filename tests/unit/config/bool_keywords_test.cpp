// keepalived's BOOL arguments (`KEYWORD [BOOL]`) and its bare flags, keyword by keyword, as
// keepalived 2.2.7 reads them (checked against `keepalived -t`): a BOOL keyword alone is true, else
// true/false, yes/no or on/off in lower case, and any other word (also 1/0) is an error; a bare flag
// ignores any word after it.
#include <doctest/doctest.h>

#include <functional>

#include "config/block_reader.h"
#include "config/dump_json.h"
#include "config/values.h"
#include "config_test_util.h"

using namespace xdplb::config;
using namespace xdplb::config::test;

namespace {

Token word(std::string text) {
  Token token;
  token.text = std::move(text);
  token.location.file = std::make_shared<const std::string>("bool.conf");
  token.location.line = 3;
  token.location.column = 7;
  return token;
}

std::string instance_with(std::string_view extra) {
  return "vrrp_instance VI_1 {\n" + std::string(minimal_instance_body) + std::string(extra) + "}\n";
}

std::string server_with(std::string_view vs_extra, std::string_view rs_extra = "",
                        std::string_view check_extra = "") {
  return "virtual_server 198.18.0.1 80 {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n" + std::string(vs_extra) + "  real_server 198.18.1.9 80 {\n" +
         std::string(rs_extra) + "    SSL_GET {\n      url {\n        path /\n      }\n" + std::string(check_extra) +
         "    }\n  }\n}\n";
}

Config loaded(const std::string& text) {
  const auto result = load_text(text);
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  CHECK_MESSAGE(result.diagnostics.empty(), all_diagnostics(result));
  return *result.config;
}

struct BoolKeyword {
  const char* name;
  // The file with `line` (e.g. "smtp_alert off") at the keyword's place.
  std::function<std::string(const std::string& line)> file;
  std::function<bool(const Config&)> value;
};

const BoolKeyword bool_keywords[] = {
    {"vrrp_instance smtp_alert", [](const std::string& l) { return instance_with("  " + l + "\n"); },
     [](const Config& c) { return c.vrrp_instances[0].smtp_alert.value_or(false); }},
    {"vrrp_sync_group smtp_alert",
     [](const std::string& l) {
       return instance_with("") + std::string(second_instance) + std::string(sync_group_head) + "  " + l + "\n}\n";
     },
     [](const Config& c) { return c.sync_groups[0].smtp_alert.value_or(false); }},
    {"real_server inhibit_on_failure", [](const std::string& l) { return server_with("", "    " + l + "\n"); },
     [](const Config& c) { return c.virtual_servers[0].real_servers[0].inhibit_on_failure.value_or(false); }},
    {"SSL_GET enable_sni", [](const std::string& l) { return server_with("", "", "      " + l + "\n"); },
     [](const Config& c) { return std::get<HttpGetCheck>(c.virtual_servers[0].real_servers[0].checkers[0]).enable_sni; }},
};

}  // namespace

TEST_CASE("bool: read_bool takes keepalived's six words and names the keyword and the word otherwise") {
  Diagnostics diagnostics;
  for (const char* yes : {"true", "yes", "on"}) CHECK(read_bool(word(yes), "alpha", diagnostics) == true);
  for (const char* no : {"false", "no", "off"}) CHECK(read_bool(word(no), "alpha", diagnostics) == false);
  CHECK(diagnostics.all().empty());
  // keepalived 2.2.7 refuses these too ("Invalid alpha parameter 1").
  for (const char* bad : {"1", "0", "True", "ON", "enabled", ""}) {
    Diagnostics one;
    CHECK_FALSE(read_bool(word(bad), "alpha", one).has_value());
    REQUIRE(one.error_count() == 1);
    const auto& d = one.all()[0];
    CHECK(d.line == 3);
    CHECK(d.column == 7);
    CHECK(d.message == std::string("'alpha' takes true/false, yes/no or on/off (keepalived's BOOL), not '") + bad +
                           "'");
  }
}

TEST_CASE("bool: every BOOL keyword is true alone, follows its word, and refuses another word") {
  for (const auto& keyword : bool_keywords) {
    CAPTURE(keyword.name);
    const std::string name = std::string(keyword.name).substr(std::string(keyword.name).rfind(' ') + 1);
    CHECK(keyword.value(loaded(keyword.file(name))));
    for (const char* yes : {"true", "yes", "on"}) CHECK(keyword.value(loaded(keyword.file(name + " " + yes))));
    for (const char* no : {"false", "no", "off"}) CHECK_FALSE(keyword.value(loaded(keyword.file(name + " " + no))));
    const auto bad = load_text(keyword.file(name + " 1"));
    CHECK_FALSE(bad.ok());
    CHECK(mentions(bad, "'" + name + "' takes true/false, yes/no or on/off (keepalived's BOOL), not '1'"));
    // keepalived ignores what follows the BOOL; xdplb says so.
    const auto extra = load_text(keyword.file(name + " off now"));
    REQUIRE(extra.ok());
    CHECK_FALSE(keyword.value(*extra.config));
    CHECK(mentions(extra, "'" + name + "' takes one BOOL; 'now' is ignored"));
  }
}

TEST_CASE("bool: global_defs smtp_alert_vrrp, else smtp_alert, is the default of every instance and sync group") {
  const std::string group = std::string(second_instance) + std::string(sync_group_head) + "}\n";
  const auto with_global = [&](std::string_view global, std::string_view own) {
    return loaded("global_defs {\n" + std::string(global) + "}\n" + instance_with(own) + group);
  };
  const auto instance_alert = [](const Config& c) {
    return effective_smtp_alert(c.vrrp_instances[0].smtp_alert, c.global);
  };
  CHECK_FALSE(instance_alert(with_global("", "")));  // keepalived's default: off
  CHECK(instance_alert(with_global("  smtp_alert\n", "")));
  CHECK_FALSE(instance_alert(with_global("  smtp_alert\n  smtp_alert_vrrp off\n", "")));
  CHECK(instance_alert(with_global("  smtp_alert off\n  smtp_alert_vrrp yes\n", "")));
  CHECK_FALSE(instance_alert(with_global("  smtp_alert\n", "  smtp_alert no\n")));  // its own wins
  const auto both = with_global("  smtp_alert on\n", "");
  CHECK(effective_smtp_alert(both.sync_groups[0].smtp_alert, both.global));
  const auto json = to_json(both);
  CHECK(json["global_defs"]["smtp_alert"] == true);
  CHECK(json["global_defs"]["smtp_alert_vrrp"].is_null());
  CHECK(json["vrrp_instances"][0]["smtp_alert"] == true);
  CHECK(json["vrrp_sync_groups"][0]["smtp_alert"] == true);
  const auto bad = load_text("global_defs {\n  smtp_alert_vrrp 1\n}\n");
  CHECK_FALSE(bad.ok());
  CHECK(mentions(bad, "test.conf:2:19: error: 'smtp_alert_vrrp' takes true/false"));
}

TEST_CASE("bool: enable_sni defaults to on, so 'enable_sni off' is what turns SNI off") {
  CHECK(std::get<HttpGetCheck>(loaded(server_with("")).virtual_servers[0].real_servers[0].checkers[0]).enable_sni);
}

TEST_CASE("bool: a bare flag with a word is still set, as keepalived 2.2.7 does, with a warning") {
  // virtual_server alpha/omega/ha_suspend/inhibit_on_failure take no BOOL in keepalived 2.2.7.
  const auto vs = load_text(server_with("  alpha false\n  inhibit_on_failure no\n"));
  REQUIRE_MESSAGE(vs.ok(), all_diagnostics(vs));
  CHECK(vs.config->virtual_servers[0].alpha);
  CHECK(vs.config->virtual_servers[0].inhibit_on_failure);
  CHECK(mentions(vs, "test.conf:5:9: warning: 'alpha' takes no value: keepalived 2.2.7 ignores 'false' and "
                     "applies 'alpha' alone; so does xdplb"));
  CHECK(warning_lines(vs) == std::vector<std::string>{"test.conf:5", "test.conf:6"});

  const auto vi = load_text(instance_with("  nopreempt off\n  no_accept yes\n"));
  REQUIRE_MESSAGE(vi.ok(), all_diagnostics(vi));
  CHECK(vi.config->vrrp_instances[0].nopreempt);
  CHECK(vi.config->vrrp_instances[0].accept == false);
  CHECK(mentions(vi, "'no_accept' takes no value: keepalived 2.2.7 ignores 'yes'"));

  // preempt clears nopreempt whatever follows it.
  const auto preempt = load_text(instance_with("  nopreempt\n  preempt false\n"));
  REQUIRE(preempt.ok());
  CHECK_FALSE(preempt.config->vrrp_instances[0].nopreempt);
  CHECK(warning_lines(preempt).size() == 1);

  const auto global = load_text("global_defs {\n  vrrp_strict off\n}\n");
  REQUIRE(global.ok());
  CHECK(global.config->global.vrrp_strict);
  CHECK(mentions(global, "'vrrp_strict' takes no value"));
}

TEST_CASE("bool: the block reader's boolean handler fills an optional and keeps it unset on a mistake") {
  Diagnostics diagnostics;
  std::optional<bool> field;
  BlockReader reader("test", diagnostics);
  reader.on("alpha", BlockReader::boolean(field, diagnostics));
  Diagnostics lexing;
  const auto tree =
      build_syntax_tree(tokenize("alpha maybe\n", std::make_shared<const std::string>("b.conf"), lexing), lexing);
  reader.read(tree);
  CHECK_FALSE(field.has_value());
  CHECK(diagnostics.error_count() == 1);
  const auto again =
      build_syntax_tree(tokenize("alpha no\n", std::make_shared<const std::string>("b.conf"), lexing), lexing);
  reader.read(again);
  CHECK(field == false);
}
