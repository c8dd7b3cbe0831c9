#include "config/preprocess.h"

#include <glob.h>
#include <sys/utsname.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

namespace xdplb::config {

namespace {

// Files larger than this are refused: a keepalived.conf is kilobytes, and reading a device or a
// huge log by mistake must not exhaust memory.
constexpr std::uintmax_t max_file_size = 16 * 1024 * 1024;
// Bounds expansion of definitions that reference each other ($A=$B $B, $B=$A $A, ...).
constexpr std::size_t max_expanded_tokens = 4096;

bool is_name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}

class Preprocessor {
 public:
  Preprocessor(const PreprocessOptions& options, Diagnostics& diagnostics)
      : options_(options), diagnostics_(diagnostics) {}

  void expand_file(const std::string& path, const SourceLocation* included_from) {
    std::error_code ec;
    const auto canonical = std::filesystem::weakly_canonical(path, ec);
    const std::string identity = ec ? path : canonical.string();
    const SourceLocation where = included_from ? *included_from : SourceLocation{name(path), 1, 1};
    if (std::find(stack_.begin(), stack_.end(), identity) != stack_.end()) {
      diagnostics_.error(where, "include cycle: '" + path + "' is already being read");
      return;
    }
    if (stack_.size() > options_.max_include_depth) {
      diagnostics_.error(where, "includes nested deeper than " + std::to_string(options_.max_include_depth));
      return;
    }
    const auto text = read_file(path, where);
    if (!text) return;
    stack_.push_back(identity);
    expand_text(*text, path);
    stack_.pop_back();
  }

  void expand_text(std::string_view text, const std::string& file_name) {
    const auto tokens = tokenize(text, name(file_name), diagnostics_);
    std::vector<Token> line;
    for (const auto& token : tokens) {
      if (token.kind != TokenKind::end_of_line) {
        line.push_back(token);
        continue;
      }
      if (!line.empty()) process_line(line, file_name, token);
      line.clear();
    }
  }

  std::vector<Token> take() { return std::move(output_); }

 private:
  std::shared_ptr<const std::string> name(const std::string& file_name) {
    auto& shared = names_[file_name];
    if (!shared) shared = std::make_shared<const std::string>(file_name);
    return shared;
  }

  std::optional<std::string> read_file(const std::string& path, const SourceLocation& where) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      diagnostics_.error(where, "cannot read '" + path + "': it is a directory");
      return std::nullopt;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      diagnostics_.error(where, "cannot read '" + path + "': " + std::generic_category().message(errno));
      return std::nullopt;
    }
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > max_file_size) {
      diagnostics_.error(where, "'" + path + "' is larger than 16 MiB; refusing to read it");
      return std::nullopt;
    }
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
  }

  // keepalived's conditional line: `@ID rest` keeps `rest` when ID is this node's config id, `@^ID
  // rest` when it is not; anything else is kept whole. False when the line is dropped.
  bool keep_conditional(std::vector<Token>& line) {
    const Token& first = line.front();
    if (first.kind != TokenKind::word || first.text.empty() || first.text[0] != '@') return true;
    const bool negated = first.text.size() > 1 && first.text[1] == '^';
    const std::string id = first.text.substr(negated ? 2 : 1);
    if (id.empty()) {
      diagnostics_.error(first.location, "a conditional line needs a config id right after '" +
                                             std::string(negated ? "@^" : "@") + "' (e.g. @main)");
      return false;
    }
    if ((id == options_.config_id) == negated) return false;
    line.erase(line.begin());
    return !line.empty();
  }

  void process_line(std::vector<Token>& line, const std::string& file_name, const Token& end_of_line) {
    if (!keep_conditional(line)) return;
    const Token& first = line.front();
    if (first.kind == TokenKind::word && first.text.size() > 1 && first.text[0] == '$' &&
        first.text.find('=') != std::string::npos && is_name_start(first.text[1])) {
      define(line);
      return;
    }
    std::vector<Token> expanded;
    for (const auto& token : line) substitute(token, expanded);
    if (!expanded.empty() && expanded.front().kind == TokenKind::word && expanded.front().text == "include") {
      include(expanded, file_name);
      return;
    }
    if (expanded.empty()) return;
    output_.insert(output_.end(), std::make_move_iterator(expanded.begin()),
                   std::make_move_iterator(expanded.end()));
    output_.push_back(end_of_line);
  }

  void define(const std::vector<Token>& line) {
    const Token& first = line.front();
    const auto equals = first.text.find('=');
    const std::string definition_name = first.text.substr(1, equals - 1);
    if (!std::all_of(definition_name.begin(), definition_name.end(), is_name_char)) {
      diagnostics_.error(first.location, "invalid definition name '" + definition_name +
                                             "' (letters, digits and '_', not starting with a digit)");
      return;
    }
    std::vector<Token> value;
    if (equals + 1 < first.text.size()) {
      Token rest = first;
      rest.text = first.text.substr(equals + 1);
      substitute(rest, value);
    }
    for (std::size_t i = 1; i < line.size(); ++i) substitute(line[i], value);
    definitions_[definition_name] = std::move(value);
  }

  // Splices the definition's tokens for a whole-word reference; an embedded reference ("a$X/b")
  // is replaced textually by the definition's words joined with spaces.
  void substitute(const Token& token, std::vector<Token>& out) {
    if (token.text.find('$') == std::string::npos ||
        (token.kind != TokenKind::word && token.kind != TokenKind::quoted)) {
      out.push_back(token);
      return;
    }
    // Inside quotes a definition is replaced in place (keepalived does so too); an undefined $NAME
    // there is left alone, since quoted scripts often hold shell variables.
    const bool quoted = token.kind == TokenKind::quoted;
    if (const auto whole = quoted ? std::nullopt : whole_reference(token.text)) {
      const auto found = definitions_.find(*whole);
      if (found == definitions_.end()) {
        diagnostics_.error(token.location, "'$" + *whole + "' is not defined");
        // Kept as written, so the statement is not reported a second time as missing a value.
        out.push_back(token);
        return;
      }
      if (out.size() + found->second.size() > max_expanded_tokens) {
        diagnostics_.error(token.location, "definition '$" + *whole + "' expands to too many tokens");
        return;
      }
      for (Token value : found->second) {
        value.location = token.location;
        out.push_back(std::move(value));
      }
      return;
    }
    Token result = token;
    result.text.clear();
    const std::string& text = token.text;
    for (std::size_t i = 0; i < text.size();) {
      if (text[i] != '$') {
        result.text += text[i++];
        continue;
      }
      const bool braced = i + 1 < text.size() && text[i + 1] == '{';
      std::size_t start = i + (braced ? 2 : 1);
      std::size_t end = start;
      while (end < text.size() && is_name_char(text[end])) ++end;
      if (end == start || !is_name_start(text[start]) ||
          (braced && (end >= text.size() || text[end] != '}'))) {
        // A lone '$' (e.g. in a password) stays as written.
        result.text += text[i++];
        continue;
      }
      const std::string reference = text.substr(start, end - start);
      const auto found = definitions_.find(reference);
      if (found == definitions_.end() && quoted) {
        result.text += text.substr(i, (braced ? end + 1 : end) - i);
      } else if (found == definitions_.end()) {
        diagnostics_.error(token.location, "'$" + reference + "' is not defined");
      } else {
        for (std::size_t k = 0; k < found->second.size(); ++k) {
          if (k) result.text += ' ';
          result.text += found->second[k].text;
        }
      }
      i = braced ? end + 1 : end;
    }
    out.push_back(std::move(result));
  }

  static std::optional<std::string> whole_reference(const std::string& text) {
    std::string_view body(text);
    if (body.starts_with("${") && body.ends_with("}")) {
      body = body.substr(2, body.size() - 3);
    } else if (body.starts_with("$")) {
      body.remove_prefix(1);
    } else {
      return std::nullopt;
    }
    if (body.empty() || !is_name_start(body.front()) || !std::all_of(body.begin(), body.end(), is_name_char))
      return std::nullopt;
    return std::string(body);
  }

  void include(const std::vector<Token>& line, const std::string& file_name) {
    const SourceLocation& where = line.front().location;
    if (line.size() < 2) {
      diagnostics_.error(where, "include needs a file name or pattern");
      return;
    }
    if (!options_.follow_includes) {
      diagnostics_.error(where, "include is disabled here");
      return;
    }
    const auto base = std::filesystem::path(file_name).parent_path();
    for (std::size_t i = 1; i < line.size(); ++i) {
      std::filesystem::path pattern(line[i].text);
      if (pattern.is_relative()) pattern = base / pattern;
      glob_t matches{};
      const int rc = glob(pattern.c_str(), 0, nullptr, &matches);
      std::vector<std::string> paths;
      if (rc == 0) paths.assign(matches.gl_pathv, matches.gl_pathv + matches.gl_pathc);
      globfree(&matches);
      if (paths.empty()) {
        diagnostics_.warning(line[i].location, "include '" + line[i].text + "' matches no file");
        continue;
      }
      // glob sorts its matches, so the order of included files is stable.
      for (const auto& path : paths) expand_file(path, &line[i].location);
    }
  }

  const PreprocessOptions& options_;
  Diagnostics& diagnostics_;
  std::map<std::string, std::shared_ptr<const std::string>> names_;
  std::map<std::string, std::vector<Token>> definitions_;
  std::vector<std::string> stack_;
  std::vector<Token> output_;
};

}  // namespace

std::string default_config_id() {
  utsname host{};
  if (::uname(&host) != 0) return {};
  const std::string node = host.nodename;
  return node.substr(0, node.find('.'));
}

std::vector<Token> preprocess_file(const std::string& path, const PreprocessOptions& options,
                                   Diagnostics& diagnostics) {
  Preprocessor preprocessor(options, diagnostics);
  preprocessor.expand_file(path, nullptr);
  return preprocessor.take();
}

std::vector<Token> preprocess_text(std::string_view text, const std::string& file_name,
                                   const PreprocessOptions& options, Diagnostics& diagnostics) {
  Preprocessor preprocessor(options, diagnostics);
  preprocessor.expand_text(text, file_name);
  return preprocessor.take();
}

}  // namespace xdplb::config
