// Splits keepalived.conf text into tokens. The grammar is line oriented: a statement is the words of
// one line, so the lexer keeps the line ends as tokens. Comments start at '#' or '!' outside quotes
// (keepalived's rule) and run to the end of the line; they may hold any UTF-8 text.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.h"

namespace xdplb::config {

enum class TokenKind { word, quoted, open_brace, close_brace, end_of_line };

struct Token {
  TokenKind kind = TokenKind::word;
  std::string text;  // for quoted strings: the content without the quotes, escapes resolved
  SourceLocation location;
};

// Columns count UTF-8 code points from 1, so a column after Chinese text in a quoted string still
// points at the right character. A leading UTF-8 byte order mark is skipped. An unterminated quoted
// string is reported and runs to the end of its line.
std::vector<Token> tokenize(std::string_view text, const std::shared_ptr<const std::string>& file,
                            Diagnostics& diagnostics);

// Where a piece of text starts in its file: a line the preprocessor hands over one at a time keeps
// the line and column it was written at.
struct TextStart {
  std::uint32_t line = 1;
  std::uint32_t column = 1;
};

// The same tokens appended to `tokens` (whose capacity a caller reading line by line reuses), for
// text that starts at `start`.
void tokenize_into(std::vector<Token>& tokens, std::string_view text, const std::shared_ptr<const std::string>& file,
                   TextStart start, Diagnostics& diagnostics);

}  // namespace xdplb::config
