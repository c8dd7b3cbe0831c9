// Every keyword keepalived 2.2.7 reads is known to xdplb: implemented, or named with what xdplb
// does instead (a "not applicable ...; ignored" warning, or an error), never "unknown keyword". And
// docs/configuration.md gives each one its status. The list is data/keepalived-2.2.7-keywords.txt.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "config_test_util.h"

using namespace xdplb::config;
using namespace xdplb::config::test;

namespace {

struct ListedKeyword {
  std::string keyword;
  std::string ignored_block;  // "KEYWORD in BLOCK": only inside a block xdplb ignores whole
};

std::vector<ListedKeyword> keepalived_keywords() {
  std::ifstream in(std::string(XDPLB_SOURCE_DIR) + "/tests/unit/config/data/keepalived-2.2.7-keywords.txt");
  std::vector<ListedKeyword> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    ListedKeyword k;
    std::string in_word;
    words >> k.keyword >> in_word >> k.ignored_block;
    out.push_back(k);
  }
  return out;
}

// The places a keyword can stand, as "PREFIX KEYWORD SUFFIX": every block xdplb reads.
const std::vector<std::pair<std::string, std::string>>& contexts() {
  static const std::vector<std::pair<std::string, std::string>> all = [] {
    std::vector<std::pair<std::string, std::string>> c = {
        {"", "\n"},
        {"", " {\n}\n"},
        {"global_defs {\n", "\n}\n"},
        {"global_defs {\n", " {\n}\n}\n"},
        {"vrrp_instance V {\n", "\n}\n"},
        {"vrrp_instance V {\n", " {\n}\n}\n"},
        {"vrrp_instance V {\nauthentication {\n", "\n}\n}\n"},
        {"vrrp_script S {\n", "\n}\n"},
        {"vrrp_sync_group G {\n", "\n}\n"},
        {"vrrp_sync_group G {\n", " {\n}\n}\n"},
        {"track_file F {\n", "\n}\n"},
        {"vrrp_track_file F {\n", "\n}\n"},
        {"virtual_server 198.18.0.1 80 {\n", "\n}\n"},
        {"virtual_server 198.18.0.1 80 {\n", " {\n}\n}\n"},
        {"virtual_server 198.18.0.1 80 {\nreal_server 198.18.0.2 80 {\n", "\n}\n}\n"},
        {"virtual_server 198.18.0.1 80 {\nreal_server 198.18.0.2 80 {\n", " {\n}\n}\n}\n"},
        {"virtual_server 198.18.0.1 80 {\nreal_server 198.18.0.2 80 {\nHTTP_GET {\nurl {\n", "\n}\n}\n}\n}\n"},
        {"virtual_server 198.18.0.1 80 {\nreal_server 198.18.0.2 80 {\nHTTP_GET {\nurl {\n", " {\n}\n}\n}\n}\n}\n"},
    };
    for (const char* checker : {"TCP_CHECK", "HTTP_GET", "SSL_GET", "MISC_CHECK", "SMTP_CHECK", "DNS_CHECK",
                                "PING_CHECK", "UDP_CHECK", "FILE_CHECK"}) {
      const std::string open = std::string("virtual_server 198.18.0.1 80 {\nreal_server 198.18.0.2 80 {\n") +
                               checker + " {\n";
      c.emplace_back(open, "\n}\n}\n}\n");
      c.emplace_back(open, " {\n}\n}\n}\n}\n");
    }
    return c;
  }();
  return all;
}

// The contexts whose content xdplb reads: a word keepalived does not have is an unknown keyword
// there. (A block xdplb ignores whole, or does not know, hides what is inside it.)
const std::vector<std::pair<std::string, std::string>>& live_contexts() {
  static const auto live = [] {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [prefix, suffix] : contexts()) {
      const auto result = load_text(prefix + "no_such_keepalived_keyword" + suffix);
      if (mentions(result, "unknown keyword 'no_such_keepalived_keyword'")) out.emplace_back(prefix, suffix);
    }
    return out;
  }();
  return live;
}

// Known somewhere: in some live context nothing at all is an unknown keyword.
bool unknown_everywhere(const std::string& keyword) {
  for (const auto& [prefix, suffix] : live_contexts()) {
    const auto result = load_text(prefix + keyword + suffix);
    if (!mentions(result, "unknown keyword '")) return false;
  }
  return true;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("keepalived keywords: the list is keepalived 2.2.7's (about 330 words)") {
  const auto keywords = keepalived_keywords();
  CHECK(keywords.size() > 300);
  CHECK(live_contexts().size() >= 20);
}

TEST_CASE("keepalived keywords: xdplbd knows every one of them") {
  std::vector<std::string> unknown;
  for (const auto& k : keepalived_keywords()) {
    if (!k.ignored_block.empty()) {
      // Inside a block xdplb ignores whole: the block itself must be named as ignored.
      const auto result = load_text(k.ignored_block + " X {\n" + k.keyword + "\n}\n");
      if (!mentions(result, "'" + k.ignored_block + "' is not applicable")) unknown.push_back(k.keyword);
      continue;
    }
    if (unknown_everywhere(k.keyword)) unknown.push_back(k.keyword);
  }
  std::string names;
  for (const auto& u : unknown) names += u + " ";
  CHECK_MESSAGE(unknown.empty(), "keywords xdplbd reports as unknown: " << names);
}

TEST_CASE("keepalived keywords: a word keepalived does not have is still unknown (the check can fail)") {
  CHECK(unknown_everywhere("no_such_keepalived_keyword"));
}

TEST_CASE("keepalived keywords: docs/configuration.md gives each one a status") {
  const std::string docs = read_file(std::string(XDPLB_SOURCE_DIR) + "/docs/configuration.md");
  REQUIRE(!docs.empty());
  std::string missing;
  for (const auto& k : keepalived_keywords()) {
    if (docs.find("`" + k.keyword + "`") == std::string::npos &&
        docs.find("`" + k.keyword + " ") == std::string::npos)
      missing += k.keyword + " ";
  }
  CHECK_MESSAGE(missing.empty(), "keywords docs/configuration.md does not mention: " << missing);
}
