#include <doctest/doctest.h>

#include "config/lexer.h"

using namespace xdplb::config;

namespace {

std::vector<Token> lex(std::string_view text, Diagnostics& diagnostics) {
  return tokenize(text, std::make_shared<const std::string>("lex.conf"), diagnostics);
}

}  // namespace

TEST_CASE("lexer: words, braces and line ends carry file:line:column") {
  Diagnostics diagnostics;
  const auto tokens = lex("vrrp_instance VI_1 {\n  state MASTER\n}\n", diagnostics);
  REQUIRE(tokens.size() == 9);
  CHECK(tokens[0].text == "vrrp_instance");
  CHECK(tokens[0].location.line == 1);
  CHECK(tokens[0].location.column == 1);
  CHECK(tokens[1].text == "VI_1");
  CHECK(tokens[1].location.column == 15);
  CHECK(tokens[2].kind == TokenKind::open_brace);
  CHECK(tokens[2].location.column == 20);
  CHECK(tokens[3].kind == TokenKind::end_of_line);
  CHECK(tokens[4].text == "state");
  CHECK(tokens[4].location.line == 2);
  CHECK(tokens[4].location.column == 3);
  CHECK(tokens[5].text == "MASTER");
  CHECK(tokens[7].kind == TokenKind::close_brace);
  CHECK(tokens[7].location.line == 3);
  CHECK(tokens[0].location.file_name() == "lex.conf");
  CHECK_FALSE(diagnostics.has_errors());
}

TEST_CASE("lexer: '#' and '!' comments with UTF-8 text are skipped") {
  Diagnostics diagnostics;
  auto tokens = lex("# 全局配置\n! 注释\npriority 100 # 优先级，值越大越优先\n", diagnostics);
  // Comment lines leave only their line ends.
  REQUIRE(tokens.size() == 5);
  CHECK(tokens[0].kind == TokenKind::end_of_line);
  CHECK(tokens[1].kind == TokenKind::end_of_line);
  tokens.erase(tokens.begin(), tokens.begin() + 2);
  CHECK(tokens[0].text == "priority");
  CHECK(tokens[0].location.line == 3);
  CHECK(tokens[1].text == "100");
  CHECK(tokens[2].kind == TokenKind::end_of_line);
}

TEST_CASE("lexer: columns count code points, not bytes") {
  Diagnostics diagnostics;
  const auto tokens = lex("notify \"中文\" x\n", diagnostics);
  REQUIRE(tokens.size() == 4);
  CHECK(tokens[1].kind == TokenKind::quoted);
  CHECK(tokens[1].text == "中文");
  CHECK(tokens[2].text == "x");
  CHECK(tokens[2].location.column == 13);
}

TEST_CASE("lexer: quoted strings keep spaces, '#' and escaped quotes") {
  Diagnostics diagnostics;
  const auto tokens = lex(R"(script "/bin/check --mode=#1 \"a b\"")", diagnostics);
  REQUIRE(tokens.size() == 3);
  CHECK(tokens[1].kind == TokenKind::quoted);
  CHECK(tokens[1].text == R"(/bin/check --mode=#1 "a b")");
  CHECK_FALSE(diagnostics.has_errors());
}

TEST_CASE("lexer: an unterminated quoted string is an error at its opening quote") {
  Diagnostics diagnostics;
  const auto tokens = lex("a\nscript \"abc\nnext\n", diagnostics);
  REQUIRE(diagnostics.all().size() == 1);
  CHECK(diagnostics.all()[0].line == 2);
  CHECK(diagnostics.all()[0].column == 8);
  // The next line is still read.
  CHECK(tokens.back().kind == TokenKind::end_of_line);
  CHECK(tokens[tokens.size() - 2].text == "next");
}

TEST_CASE("lexer: braces glued to words are separate tokens, ${NAME} stays one word") {
  Diagnostics diagnostics;
  const auto tokens = lex("url{path /}\nx ${A}b\n", diagnostics);
  REQUIRE(tokens.size() == 9);
  CHECK(tokens[0].text == "url");
  CHECK(tokens[1].kind == TokenKind::open_brace);
  CHECK(tokens[3].text == "/");
  CHECK(tokens[4].kind == TokenKind::close_brace);
  CHECK(tokens[7].text == "${A}b");
}

TEST_CASE("lexer: CRLF line ends, a byte order mark and a last line without newline") {
  Diagnostics diagnostics;
  const auto tokens = lex("\xEF\xBB\xBFrouter_id A\r\nvrrp_version 3", diagnostics);
  REQUIRE(tokens.size() == 6);
  CHECK(tokens[0].text == "router_id");
  CHECK(tokens[0].location.column == 1);
  CHECK(tokens[1].text == "A");
  CHECK(tokens[4].text == "3");
  CHECK(tokens[5].kind == TokenKind::end_of_line);
}
