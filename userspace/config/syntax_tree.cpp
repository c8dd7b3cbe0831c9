#include "config/syntax_tree.h"

namespace xdplb::config {

namespace {

class TreeBuilder {
 public:
  TreeBuilder(const std::vector<Token>& tokens, Diagnostics& diagnostics)
      : tokens_(tokens), diagnostics_(diagnostics) {}

  std::vector<SyntaxNode> build() {
    std::vector<SyntaxNode> top;
    read_statements(top, 0);
    return top;
  }

 private:
  bool at_end() const { return position_ >= tokens_.size(); }
  const Token& current() const { return tokens_[position_]; }

  // Reads statements until the '}' that closes this level (consumed; returns true) or the end of
  // input (returns false).
  bool read_statements(std::vector<SyntaxNode>& out, unsigned depth) {
    // A '{' that starts a line opens the block of the statement just before it (comment and blank
    // lines may sit between them, as keepalived allows).
    bool previous_statement_can_open = false;
    while (!at_end()) {
      const Token& token = current();
      switch (token.kind) {
        case TokenKind::end_of_line: ++position_; break;
        case TokenKind::close_brace:
          ++position_;
          if (depth > 0) return true;
          diagnostics_.error(token.location, "'}' closes no block");
          previous_statement_can_open = false;
          break;
        case TokenKind::open_brace: {
          const bool attaches = previous_statement_can_open && !out.empty() && !out.back().has_block;
          if (attaches) {
            read_block(out.back(), depth);
          } else {
            diagnostics_.error(token.location, "'{' without a keyword to open a block for");
            // Still read the block so that its '}' does not close an outer one.
            SyntaxNode orphan{token, {}, false, {}};
            read_block(orphan, depth);
          }
          previous_statement_can_open = false;
          break;
        }
        case TokenKind::word:
        case TokenKind::quoted: {
          SyntaxNode node{token, {}, false, {}};
          ++position_;
          while (!at_end() && (current().kind == TokenKind::word || current().kind == TokenKind::quoted)) {
            node.arguments.push_back(current());
            ++position_;
          }
          out.push_back(std::move(node));
          previous_statement_can_open = true;
          if (!at_end() && current().kind == TokenKind::open_brace) {
            read_block(out.back(), depth);
            previous_statement_can_open = false;
          }
          break;
        }
      }
    }
    return false;
  }

  // At a '{': reads the block's statements into `owner`.
  void read_block(SyntaxNode& owner, unsigned depth) {
    const Token& brace = current();
    ++position_;
    owner.has_block = true;
    if (depth + 1 > max_block_depth) {
      diagnostics_.error(brace.location, "blocks nested deeper than " + std::to_string(max_block_depth));
      skip_block();
      return;
    }
    if (!read_statements(owner.children, depth + 1)) {
      diagnostics_.error(owner.location(), "block '" + owner.keyword.text + "' opened here is never closed");
    }
  }

  // Skips to the '}' matching an already consumed '{' without building nodes (too deep to keep).
  void skip_block() {
    std::size_t open = 1;
    while (!at_end() && open > 0) {
      if (current().kind == TokenKind::open_brace) ++open;
      if (current().kind == TokenKind::close_brace) --open;
      ++position_;
    }
  }

  const std::vector<Token>& tokens_;
  Diagnostics& diagnostics_;
  std::size_t position_ = 0;
};

}  // namespace

std::vector<SyntaxNode> build_syntax_tree(const std::vector<Token>& tokens, Diagnostics& diagnostics) {
  return TreeBuilder(tokens, diagnostics).build();
}

}  // namespace xdplb::config
