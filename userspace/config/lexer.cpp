#include "config/lexer.h"

namespace xdplb::config {

namespace {

class Lexer {
 public:
  Lexer(std::vector<Token>& tokens, std::string_view text, const std::shared_ptr<const std::string>& file,
        TextStart start, Diagnostics& diagnostics)
      : text_(text), file_(file), diagnostics_(diagnostics), line_(start.line), column_(start.column),
        tokens_(tokens), first_(tokens.size()) {
    if (text_.starts_with("\xEF\xBB\xBF")) position_ = 3;
  }

  void run() {
    while (!at_end()) {
      const char c = peek();
      if (c == '\n') {
        emit(TokenKind::end_of_line, "\n", here());
        advance();
      } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
        advance();
      } else if (c == '#' || c == '!') {
        skip_to_line_end();
      } else if (c == '{') {
        emit(TokenKind::open_brace, "{", here());
        advance();
      } else if (c == '}') {
        emit(TokenKind::close_brace, "}", here());
        advance();
      } else if (c == '"') {
        read_quoted();
      } else {
        read_word();
      }
    }
    // A last line without '\n' still ends its statement.
    if (tokens_.size() > first_ && tokens_.back().kind != TokenKind::end_of_line)
      emit(TokenKind::end_of_line, "\n", here());
  }

 private:
  bool at_end() const { return position_ >= text_.size(); }
  char peek() const { return text_[position_]; }

  SourceLocation here() const { return SourceLocation{file_, line_, column_}; }

  void advance() {
    const auto byte = static_cast<unsigned char>(text_[position_++]);
    if (byte == '\n') {
      ++line_;
      column_ = 1;
    } else if ((byte & 0xC0) != 0x80) {
      // Continuation bytes belong to the code point already counted.
      ++column_;
    }
  }

  // Advancing past a continuation byte does not move the column, so the next lead byte does.
  void skip_to_line_end() {
    while (!at_end() && peek() != '\n') advance();
  }

  void emit(TokenKind kind, std::string text, SourceLocation where) {
    tokens_.push_back(Token{kind, std::move(text), std::move(where)});
  }

  static bool ends_word(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v' || c == '{' ||
           c == '}' || c == '"' || c == '#' || c == '!';
  }

  void read_word() {
    const SourceLocation start = here();
    std::string word;
    while (!at_end()) {
      const char c = peek();
      // "${NAME}" is one word although it holds braces.
      if (c == '$' && position_ + 1 < text_.size() && text_[position_ + 1] == '{') {
        const auto close = text_.find('}', position_);
        const auto line_end = text_.find('\n', position_);
        if (close != std::string_view::npos && close < line_end) {
          while (position_ <= close) {
            word += peek();
            advance();
          }
          continue;
        }
      }
      if (ends_word(c)) break;
      // A run of plain bytes is appended in one piece.
      std::size_t end = position_ + 1;
      while (end < text_.size() && !ends_word(text_[end]) && text_[end] != '$') ++end;
      word.append(text_.substr(position_, end - position_));
      while (position_ < end) advance();
    }
    emit(TokenKind::word, std::move(word), start);
  }

  void read_quoted() {
    const SourceLocation start = here();
    advance();  // opening quote
    std::string content;
    while (!at_end() && peek() != '"' && peek() != '\n') {
      if (peek() == '\\' && position_ + 1 < text_.size() &&
          (text_[position_ + 1] == '"' || text_[position_ + 1] == '\\')) {
        advance();
      }
      content += peek();
      advance();
    }
    if (at_end() || peek() == '\n') {
      diagnostics_.error(start, "unterminated quoted string");
    } else {
      advance();  // closing quote
    }
    emit(TokenKind::quoted, std::move(content), start);
  }

  std::string_view text_;
  std::shared_ptr<const std::string> file_;
  Diagnostics& diagnostics_;
  std::size_t position_ = 0;
  std::uint32_t line_ = 1;
  std::uint32_t column_ = 1;
  std::vector<Token>& tokens_;
  std::size_t first_;  // tokens_ before this text's own
};

}  // namespace

std::vector<Token> tokenize(std::string_view text, const std::shared_ptr<const std::string>& file,
                            Diagnostics& diagnostics) {
  std::vector<Token> tokens;
  tokenize_into(tokens, text, file, TextStart{}, diagnostics);
  return tokens;
}

void tokenize_into(std::vector<Token>& tokens, std::string_view text, const std::shared_ptr<const std::string>& file,
                   TextStart start, Diagnostics& diagnostics) {
  Lexer(tokens, text, file, start, diagnostics).run();
}

}  // namespace xdplb::config
