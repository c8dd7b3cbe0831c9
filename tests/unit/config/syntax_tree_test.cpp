#include <doctest/doctest.h>

#include "config/syntax_tree.h"
#include "config_test_util.h"

using namespace xdplb::config;
using namespace xdplb::config::test;

namespace {

std::vector<SyntaxNode> tree_of(std::string_view text, Diagnostics& diagnostics) {
  return build_syntax_tree(tokenize(text, std::make_shared<const std::string>("tree.conf"), diagnostics),
                           diagnostics);
}

}  // namespace

TEST_CASE("syntax tree: a block opens on the keyword's line or on the next line") {
  Diagnostics diagnostics;
  const auto tree = tree_of("a 1 {\n b\n}\nc\n\n# comment between\n{\n d 2\n}\n", diagnostics);
  CHECK_FALSE(diagnostics.has_errors());
  REQUIRE(tree.size() == 2);
  CHECK(tree[0].keyword.text == "a");
  CHECK(tree[0].has_block);
  REQUIRE(tree[0].children.size() == 1);
  CHECK(tree[1].keyword.text == "c");
  CHECK(tree[1].has_block);
  REQUIRE(tree[1].children.size() == 1);
  CHECK(tree[1].children[0].arguments[0].text == "2");
}

TEST_CASE("syntax tree: one-line blocks") {
  Diagnostics diagnostics;
  const auto tree = tree_of("url { path /health status_code 200 }\nnext\n", diagnostics);
  CHECK_FALSE(diagnostics.has_errors());
  REQUIRE(tree.size() == 2);
  REQUIRE(tree[0].children.size() == 1);
  CHECK(tree[0].children[0].keyword.text == "path");
  CHECK(tree[0].children[0].arguments.size() == 3);
}

TEST_CASE("syntax tree: an unclosed block is reported at the line that opened it") {
  const auto result = load_text(
      "global_defs {\n"
      "  router_id A\n"
      "}\n"
      "vrrp_instance VI_1 {\n"
      "  interface eth0\n"
      "  virtual_router_id 51\n"
      "  virtual_ipaddress {\n"
      "    198.18.0.1\n"
      "  }\n");
  CHECK(error_lines(result) == std::vector<std::string>{"test.conf:4"});
  CHECK(mentions(result, "block 'vrrp_instance' opened here is never closed"));
  CHECK_FALSE(result.ok());
}

TEST_CASE("syntax tree: an extra '}' is reported where it stands") {
  const auto result = load_text("global_defs {\n  router_id A\n}\n}\n");
  CHECK(error_lines(result) == std::vector<std::string>{"test.conf:4"});
  CHECK(mentions(result, "'}' closes no block"));
}

TEST_CASE("syntax tree: a '{' with no statement before it") {
  Diagnostics diagnostics;
  const auto tree = tree_of("{\n a\n}\nb\n", diagnostics);
  REQUIRE(diagnostics.all().size() == 1);
  CHECK(diagnostics.all()[0].line == 1);
  // The orphan block is consumed whole: "b" is still a top-level statement.
  REQUIRE(tree.size() == 1);
  CHECK(tree[0].keyword.text == "b");
}

TEST_CASE("syntax tree: nesting deeper than the limit is an error, not a crash") {
  std::string deep;
  for (unsigned i = 0; i < max_block_depth + 10; ++i) deep += "a {\n";
  for (unsigned i = 0; i < max_block_depth + 10; ++i) deep += "}\n";
  Diagnostics diagnostics;
  tree_of(deep, diagnostics);
  REQUIRE(diagnostics.error_count() == 1);
  CHECK(diagnostics.all()[0].message.find("nested deeper") != std::string::npos);
}
