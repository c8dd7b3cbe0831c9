#include "config/syntax_tree.h"

namespace xdplb::config {

SyntaxTreeBuilder::SyntaxTreeBuilder(Diagnostics& diagnostics, TopLevelSink completed)
    : diagnostics_(diagnostics), completed_(std::move(completed)) {
  frames_.push_back(Frame{&top_, nullptr});
}

void SyntaxTreeBuilder::add(Token token) {
  if (skipped_depth_ > 0) {
    if (token.kind == TokenKind::open_brace) ++skipped_depth_;
    if (token.kind == TokenKind::close_brace) --skipped_depth_;
    return;
  }
  switch (token.kind) {
    case TokenKind::end_of_line:
      // A '{' that starts a later line still opens this statement's block (comment and blank
      // lines may sit between them, as keepalived allows).
      in_statement_ = false;
      break;
    case TokenKind::close_brace:
      in_statement_ = false;
      close_block(token);
      previous_can_open_ = false;
      break;
    case TokenKind::open_brace:
      in_statement_ = false;
      open_block(token);
      previous_can_open_ = false;
      break;
    case TokenKind::word:
    case TokenKind::quoted: {
      auto& statements = *frames_.back().statements;
      if (in_statement_) {
        statements.back().arguments.push_back(std::move(token));
      } else {
        if (frames_.size() == 1) hand_over_completed();
        statements.push_back(SyntaxNode{std::move(token), {}, false, {}});
        in_statement_ = true;
        previous_can_open_ = true;
      }
      break;
    }
  }
}

namespace {

bool is_word(TokenKind kind) { return kind == TokenKind::word || kind == TokenKind::quoted; }

}  // namespace

void SyntaxTreeBuilder::add_line(std::span<Token> tokens) {
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const bool starts_statement = skipped_depth_ == 0 && !in_statement_ && is_word(tokens[i].kind);
    add(std::move(tokens[i]));
    if (!starts_statement) continue;
    std::size_t arguments = 0;
    while (i + 1 + arguments < tokens.size() && is_word(tokens[i + 1 + arguments].kind)) ++arguments;
    if (arguments > 0) frames_.back().statements->back().arguments.reserve(arguments);
  }
}

void SyntaxTreeBuilder::open_block(const Token& brace) {
  auto& statements = *frames_.back().statements;
  SyntaxNode* owner = nullptr;
  if (previous_can_open_ && !statements.empty() && !statements.back().has_block) {
    owner = &statements.back();
  } else {
    diagnostics_.error(brace.location, "'{' without a keyword to open a block for");
    // Still read the block so that its '}' does not close an outer one.
    orphans_.push_back(std::make_unique<SyntaxNode>(SyntaxNode{brace, {}, false, {}}));
    owner = orphans_.back().get();
  }
  owner->has_block = true;
  // frames_ holds the top level too, so its size is the depth of the block being opened.
  if (frames_.size() > max_block_depth) {
    diagnostics_.error(brace.location, "blocks nested deeper than " + std::to_string(max_block_depth));
    skipped_depth_ = 1;
    return;
  }
  // Most blocks hold a few statements: room for them at once rather than growing 1, 2, 4, 8.
  owner->children.reserve(8);
  frames_.push_back(Frame{&owner->children, owner});
}

void SyntaxTreeBuilder::close_block(const Token& brace) {
  if (frames_.size() == 1) {
    diagnostics_.error(brace.location, "'}' closes no block");
    return;
  }
  frames_.pop_back();
}

void SyntaxTreeBuilder::hand_over_completed() {
  if (!completed_) return;
  for (auto& statement : top_) completed_(std::move(statement));
  top_.clear();
}

std::vector<SyntaxNode> SyntaxTreeBuilder::finish() {
  while (frames_.size() > 1) {
    const SyntaxNode& owner = *frames_.back().owner;
    diagnostics_.error(owner.location(), "block '" + owner.keyword.text + "' opened here is never closed");
    frames_.pop_back();
  }
  hand_over_completed();
  return std::move(top_);
}

std::vector<SyntaxNode> build_syntax_tree(std::vector<Token> tokens, Diagnostics& diagnostics) {
  SyntaxTreeBuilder builder(diagnostics);
  for (auto& token : tokens) builder.add(std::move(token));
  return builder.finish();
}

}  // namespace xdplb::config
