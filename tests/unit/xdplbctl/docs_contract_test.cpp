// docs/control.md against the contract: every example answer decodes with the contract's decoder,
// and has exactly the keys the encoder writes (no more, no fewer), so the page cannot drift from
// what the agent sends and xdplbctl reads.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "contract/answers_json.h"
#include "xdplbctl/rates.h"

using Json = nlohmann::json;
using namespace xdplb::contract;

namespace {

std::string read_docs() {
  std::ifstream in(std::string(XDPLB_SOURCE_DIR) + "/docs/control.md");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The JSON blocks of the section "### `name`", in order.
std::vector<Json> examples(const std::string& docs, const std::string& name) {
  const auto start = docs.find("\n### `" + name + "`");
  REQUIRE_MESSAGE(start != std::string::npos, "docs/control.md has no section for " << name);
  const auto end = docs.find("\n### ", start + 1);
  const std::string section = docs.substr(start, end == std::string::npos ? std::string::npos : end - start);
  std::vector<Json> blocks;
  for (std::size_t at = section.find("```json\n"); at != std::string::npos; at = section.find("```json\n", at)) {
    const auto body = at + 8;
    const auto close = section.find("```", body);
    blocks.push_back(Json::parse(section.substr(body, close - body)));
    at = close + 3;
  }
  return blocks;
}

// Objects whose keys are data (reasons, verdict names), not the contract's.
bool keys_are_data(const std::string& where) {
  return where.ends_with(".adverts_dropped") || where.ends_with(".verdicts");
}

// Where `documented` and `encoded` differ in shape: keys present on one side only.
void compare_shape(const Json& documented, const Json& encoded, const std::string& where,
                   std::vector<std::string>& differences) {
  if (documented.is_object() && encoded.is_object()) {
    if (keys_are_data(where)) return;
    for (const auto& [key, value] : documented.items()) {
      if (!encoded.contains(key))
        differences.push_back(where + "." + key + " is documented but not sent");
      else
        compare_shape(value, encoded.at(key), where + "." + key, differences);
    }
    for (const auto& [key, value] : encoded.items())
      if (!documented.contains(key)) differences.push_back(where + "." + key + " is sent but not documented");
  } else if (documented.is_array() && encoded.is_array() && !documented.empty() && !encoded.empty()) {
    compare_shape(documented.front(), encoded.front(), where + "[0]", differences);
  }
}

template <typename Decode>
void check_example(const Json& example, Decode decode, const std::string& name) {
  CAPTURE(name);
  const auto decoded = decode(example);  // throws ContractError naming the field if it does not fit
  std::vector<std::string> differences;
  compare_shape(example, encode(decoded), name, differences);
  for (const auto& d : differences) FAIL_CHECK(d);
}

// The section's only JSON block.
Json only_example(const std::string& docs, const std::string& name) {
  const auto blocks = examples(docs, name);
  REQUIRE_MESSAGE(blocks.size() == 1, "docs/control.md section " << name << " has " << blocks.size() << " JSON blocks");
  return blocks.front();
}

}  // namespace

TEST_CASE("every example answer of docs/control.md is the contract's") {
  const auto docs = read_docs();
  check_example(only_example(docs, "status"), decode_status, "status");
  check_example(only_example(docs, "list"), decode_list, "list");
  check_example(only_example(docs, "reload"), decode_reload, "reload");
  check_example(only_example(docs, "verify"), decode_verify, "verify");
  check_example(only_example(docs, "drain` and `undrain"), decode_drain, "drain");
  check_example(only_example(docs, "conns"), decode_conns, "conns");
  const auto stats = examples(docs, "stats");
  REQUIRE(stats.size() == 2);  // stats, then stats --rate --json
  check_example(stats[0], decode_stats, "stats");
}

TEST_CASE("the stats --rate example of docs/control.md has the keys xdplbctl prints") {
  const auto stats = examples(read_docs(), "stats");
  REQUIRE(stats.size() == 2);
  Stats before, after;
  after.virtual_servers.push_back({"tcp/198.18.0.100:80", {1, 1, 1}, {{"198.18.0.11:80", false, {1, 1, 1}}}});
  after.verdicts["fwd_tx"] = {1, 1};
  std::vector<std::string> differences;
  compare_shape(stats[1], xdplb::ctl::encode(xdplb::ctl::compute_rates(before, after, 1.0)), "rates", differences);
  for (const auto& d : differences) FAIL_CHECK(d);
}
