// Groups the token stream into keyword statements and nested blocks:
//   keyword arg arg {        <- the block may open on this line...
//   keyword arg arg
//   {                        <- ...or on the next one
//      child statements
//   }
// Brace mistakes are reported here: a '}' with no open block at its own location, a block never
// closed at the line of the keyword that opened it.
#pragma once

#include <vector>

#include "config/diagnostics.h"
#include "config/lexer.h"

namespace xdplb::config {

struct SyntaxNode {
  Token keyword;
  std::vector<Token> arguments;
  bool has_block = false;
  std::vector<SyntaxNode> children;

  const SourceLocation& location() const { return keyword.location; }
};

// Deeper nesting than this is an error (keepalived's deepest real block is 4 levels).
inline constexpr unsigned max_block_depth = 32;

std::vector<SyntaxNode> build_syntax_tree(const std::vector<Token>& tokens, Diagnostics& diagnostics);

}  // namespace xdplb::config
