// Groups the token stream into keyword statements and nested blocks:
//   keyword arg arg {        <- the block may open on this line...
//   keyword arg arg
//   {                        <- ...or on the next one
//      child statements
//   }
// Brace mistakes are reported here: a '}' with no open block at its own location, a block never
// closed at the line of the keyword that opened it.
#pragma once

#include <functional>
#include <memory>
#include <span>
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

// Builds the tree from tokens pushed one at a time, so that a large file's tokens never have to be
// held all at once (the preprocessor feeds it line by line).
class SyntaxTreeBuilder {
 public:
  // With `completed`, each top-level statement is handed over as soon as it is complete (when the
  // next one starts, or at finish) instead of being kept: finish() then returns nothing.
  using TopLevelSink = std::function<void(SyntaxNode)>;
  explicit SyntaxTreeBuilder(Diagnostics& diagnostics, TopLevelSink completed = {});
  void add(Token token);
  // The tokens of one line, moved out: a statement's argument list is allocated once, at its size.
  void add_line(std::span<Token> tokens);
  // Reports every block still open and returns the top-level statements.
  std::vector<SyntaxNode> finish();

 private:
  struct Frame {
    std::vector<SyntaxNode>* statements;
    SyntaxNode* owner;  // nullptr at the top level
  };
  void open_block(const Token& brace);
  void close_block(const Token& brace);
  void hand_over_completed();

  Diagnostics& diagnostics_;
  TopLevelSink completed_;
  std::vector<SyntaxNode> top_;
  std::vector<Frame> frames_;
  std::vector<std::unique_ptr<SyntaxNode>> orphans_;  // blocks opened by a '{' with no keyword
  bool in_statement_ = false;        // words on this line so far belong to the last statement
  bool previous_can_open_ = false;   // a '{' now opens the last statement's block
  unsigned skipped_depth_ = 0;       // inside blocks nested too deep: their tokens are dropped
};

std::vector<SyntaxNode> build_syntax_tree(std::vector<Token> tokens, Diagnostics& diagnostics);

}  // namespace xdplb::config
