#include "config/preprocess.h"

#include <glob.h>
#include <sys/utsname.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>

#include "config/include_pattern.h"
#include "config/line_repeat.h"

namespace xdplb::config {

namespace {

// Files larger than this are refused: a keepalived.conf is kilobytes, and reading a device or a
// huge log by mistake must not exhaust memory.
constexpr std::uintmax_t max_file_size = 16 * 1024 * 1024;
// Bounds what definitions that reference each other can make of one line ($A=$B $B, $B=$A $A, ...)
// and how deep multiline definitions may nest.
constexpr std::size_t max_expanded_line = 64 * 1024;
constexpr unsigned max_expansion_depth = 32;
constexpr std::size_t max_replacements_per_line = 16384;
// ${_HASH} and ${_BANG} are '#' and '!' that do not start a comment.
constexpr char hash_stand_in = '\x01';
constexpr char bang_stand_in = '\x02';
constexpr char stand_in_characters[] = {hash_stand_in, bang_stand_in, '\0'};

bool is_name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}
bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  return text;
}

// The line without its comment ('#' or '!' outside quotes, as the lexer reads them).
std::string_view without_comment(std::string_view line) {
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '\\' && i + 1 < line.size()) {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && (c == '#' || c == '!')) {
      return line.substr(0, i);
    }
  }
  return line;
}

// "$NAME=VALUE" (only blanks before the '$', none before the '='): the name and the raw value.
std::optional<std::pair<std::string, std::string>> as_definition(std::string_view line) {
  line = trim(line);
  if (line.size() < 3 || line[0] != '$' || !is_name_start(line[1])) return std::nullopt;
  std::size_t end = 1;
  while (end < line.size() && is_name_char(line[end])) ++end;
  if (end >= line.size() || line[end] != '=') return std::nullopt;
  return std::make_pair(std::string(line.substr(1, end - 1)), std::string(trim(line.substr(end + 1))));
}

// One line to read, with where it was written (a generated line keeps its origin's place).
struct Line {
  std::string text;
  SourceLocation origin;
};

// A definition: one line of text, or the lines of a multiline definition ("$X= \" ...).
struct Definition {
  std::vector<Line> lines;
  bool multiline = false;
};

class Preprocessor {
 public:
  Preprocessor(const PreprocessOptions& options, Diagnostics& diagnostics, const TokenSink& sink)
      : options_(options), diagnostics_(diagnostics), sink_(sink) {}

  void expand_file(const std::string& path, const SourceLocation* included_from, IncludeChecks checks) {
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
    const auto text = read_file(path, where, included_from == nullptr || checks.readable);
    if (!text) return;
    stack_.push_back(identity);
    expand_text(*text, path);
    stack_.pop_back();
  }

  void expand_text(std::string_view text, const std::string& file_name) {
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    // include_check and ${_PWD} are the file's own: saved here, restored when it is done.
    const IncludeChecks saved_checks = include_checks_;
    const std::string saved_directory = current_directory_;
    current_directory_ = std::filesystem::path(file_name).parent_path().string();
    if (current_directory_.empty()) current_directory_ = ".";
    const auto file = name(file_name);
    std::vector<std::string_view> physical;
    physical.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
    for (std::size_t start = 0; start <= text.size();) {
      const auto end = std::min(text.find('\n', start), text.size());
      physical.push_back(text.substr(start, end - start));
      start = end + 1;
    }
    for (std::size_t i = 0; i < physical.size(); ++i) {
      const SourceLocation origin{file, static_cast<std::uint32_t>(i + 1), 1};
      if (const auto definition = as_definition(without_comment(physical[i]));
          definition && definition->second == "\\") {
        i = read_multiline_definition(definition->first, physical, i, file);
        continue;
      }
      generated_ = 0;
      process(physical[i], origin, 0);
    }
    include_checks_ = saved_checks;
    current_directory_ = saved_directory;
  }

 private:
  std::shared_ptr<const std::string> name(const std::string& file_name) {
    auto& shared = names_[file_name];
    if (!shared) shared = std::make_shared<const std::string>(file_name);
    return shared;
  }

  std::optional<std::string> read_file(const std::string& path, const SourceLocation& where, bool must_read) {
    const auto fail = [&](const std::string& why) -> std::optional<std::string> {
      // keepalived's plain include skips what it cannot read without a configuration error.
      if (must_read)
        diagnostics_.error(where, why);
      else
        diagnostics_.warning(where, why + "; skipped, as keepalived's include does (includer makes it an error)");
      return std::nullopt;
    };
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) return fail("cannot read '" + path + "': it is a directory");
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail("cannot read '" + path + "': " + std::generic_category().message(errno));
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > max_file_size) return fail("'" + path + "' is larger than 16 MiB; refusing to read it");
    // Read at its size in one piece (a stream copied through a growing buffer is copied twice).
    std::string content;
    if (!ec) content.resize(size);
    in.read(content.data(), static_cast<std::streamsize>(content.size()));
    content.resize(static_cast<std::size_t>(in.gcount()));
    // A file that grew since its size was taken (or whose size is unknown) is read to its end.
    char chunk[4096];
    while (in.read(chunk, sizeof chunk) || in.gcount() > 0) content.append(chunk, static_cast<std::size_t>(in.gcount()));
    return content;
  }

  // "$NAME= \" and the lines after it up to the first that does not end with '\' (blank and
  // comment-only lines in between neither count nor end it). Returns the index of the last line.
  std::size_t read_multiline_definition(const std::string& definition_name, const std::vector<std::string_view>& lines,
                                        std::size_t first, const std::shared_ptr<const std::string>& file) {
    Definition definition{{}, true};
    std::size_t i = first + 1;
    for (; i < lines.size(); ++i) {
      std::string_view body = trim(without_comment(lines[i]));
      if (body.empty()) continue;
      const bool continues = body.ends_with('\\');
      if (continues) body = trim(body.substr(0, body.size() - 1));
      if (!body.empty()) definition.lines.push_back(Line{std::string(body), {file, static_cast<std::uint32_t>(i + 1), 1}});
      if (!continues) break;
    }
    if (i >= lines.size()) {
      diagnostics_.error(SourceLocation{file, static_cast<std::uint32_t>(first + 1), 1},
                         "multiline definition '$" + definition_name + "' is not ended by a line without '\\'");
      i = lines.size() - 1;
    }
    definitions_[definition_name] = std::move(definition);
    return i;
  }

  // One line, as keepalived reads it: conditional, definition, repetition, substitution, include;
  // what is left is tokenized.
  void process(std::string_view line, const SourceLocation& origin, unsigned depth) {
    if (depth > max_expansion_depth) {
      diagnostics_.error(origin, "definitions nested deeper than " + std::to_string(max_expansion_depth));
      return;
    }
    if (++generated_ > options_.max_generated_lines) {
      if (generated_ == options_.max_generated_lines + 1)
        diagnostics_.error(origin, "this line generates more than " + std::to_string(options_.max_generated_lines) +
                                            " lines");
      return;
    }
    std::string_view text = trim(without_comment(line));
    SourceLocation at = origin;
    at.column = static_cast<std::uint32_t>(text.data() - line.data() + 1);
    if (text.empty() || !keep_conditional(text, at)) return;
    if (const auto definition = as_definition(text)) {
      definitions_[definition->first] = Definition{{Line{definition->second, origin}}, false};
      return;
    }
    if (starts_line_repeat(text)) {
      repeat(text, origin, depth);
      return;
    }
    // A line that is one multiline definition stands for its lines.
    if (const auto whole = whole_reference(text)) {
      const auto found = definitions_.find(*whole);
      if (found != definitions_.end() && found->second.multiline) {
        const auto body = found->second.lines;  // a line of it may redefine it
        for (const auto& body_line : body) process(body_line.text, body_line.origin, depth + 1);
        return;
      }
    }
    // Columns stay those of the written line: what precedes the statement becomes blanks.
    const auto column = static_cast<std::uint32_t>(text.data() - line.data() + 1);
    if (text.find('$') == std::string_view::npos) {
      emit(text, column, origin);
      return;
    }
    auto substituted = substitute(std::string(text), origin);
    if (!substituted) return;
    const std::string_view result = trim(*substituted);
    // Substitution may make a conditional ("$IF_MAIN=@main" then "$IF_MAIN priority 240") or a
    // repetition: read the result again.
    if (result != text && (result.starts_with('@') || starts_line_repeat(result) || as_definition(result))) {
      process(result, origin, depth + 1);
      return;
    }
    emit(result, column, origin);
  }

  // keepalived's conditional line: `@ID rest` keeps `rest` when ID is this node's config id, `@^ID
  // rest` when it is not; anything else is kept whole. False when the line is dropped.
  bool keep_conditional(std::string_view& text, const SourceLocation& where) {
    if (!text.starts_with('@')) return true;
    const bool negated = text.size() > 1 && text[1] == '^';
    std::size_t end = negated ? 2 : 1;
    while (end < text.size() && !is_blank(text[end])) ++end;
    const std::string_view id = text.substr(negated ? 2 : 1, end - (negated ? 2 : 1));
    if (id.empty()) {
      diagnostics_.error(where, "a conditional line needs a config id right after '" +
                                    std::string(negated ? "@^" : "@") + "' (e.g. @main)");
      return false;
    }
    if ((id == options_.config_id) == negated) return false;
    text = trim(text.substr(end));
    return !text.empty();
  }

  void repeat(std::string_view text, const SourceLocation& origin, unsigned depth) {
    std::string error;
    const auto parsed = parse_line_repeat(text, error);
    if (!parsed) {
      diagnostics_.error(origin, error);
      return;
    }
    const std::string remainder(parsed->remainder);
    for (const auto& values : parsed->values) {
      for (const auto& [variable, value] : values) definitions_[variable] = Definition{{Line{value, origin}}, false};
      process(remainder, origin, depth + 1);
      if (generated_ > options_.max_generated_lines) break;
    }
    // keepalived.conf(5): do not rely on a ~SEQ variable after its line.
    for (const auto& [variable, value] : parsed->values.empty() ? std::map<std::string, std::string>{}
                                                                 : parsed->values.front())
      definitions_.erase(variable);
  }

  static std::optional<std::string> whole_reference(std::string_view body) {
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

  // keepalived's predefined ${_PWD}, ${_INSTANCE}, ${_HASH}, ${_BANG}, ${_RANDOM [MIN [MAX]]}.
  std::optional<std::string> predefined(std::string_view reference, const SourceLocation& where) {
    if (reference == "_PWD") return current_directory_;
    if (reference == "_INSTANCE") return options_.config_id;
    // Stand-ins that no comment rule sees; the tokens get the characters back (emit).
    if (reference == "_HASH") return std::string(1, hash_stand_in);
    if (reference == "_BANG") return std::string(1, bang_stand_in);
    if (reference == "_RANDOM" || reference.starts_with("_RANDOM ")) {
      std::istringstream words{std::string(reference.substr(7))};
      long long low = 0, high = 32767;
      if (!(words >> low)) low = 0;
      if (!(words >> high)) high = 32767;
      if (low < 0 || high < low) {
        diagnostics_.error(where, "${" + std::string(reference) + "}: MIN and MAX must be 0 <= MIN <= MAX");
        return std::string();
      }
      std::uniform_int_distribution<long long> pick(low, high);
      return std::to_string(pick(random_));
    }
    return std::nullopt;
  }

  // Replaces $NAME and ${NAME} by their definitions at the time of use, again in what a replacement
  // brings in. An undefined name stays as written (keepalived's rule, so that shell variables in
  // scripts survive); outside quotes that gets a warning.
  std::optional<std::string> substitute(std::string text, const SourceLocation& where) {
    std::size_t replacements = 0;
    for (std::size_t i = 0; (i = text.find('$', i)) != std::string::npos;) {
      const bool braced = i + 1 < text.size() && text[i + 1] == '{';
      std::size_t start = i + (braced ? 2 : 1);
      std::size_t end = start;
      std::string reference;
      if (braced) {
        end = text.find('}', start);
        if (end == std::string::npos) {
          ++i;
          continue;
        }
        reference = text.substr(start, end - start);
        ++end;
      } else {
        while (end < text.size() && is_name_char(text[end])) ++end;
        reference = text.substr(start, end - start);
      }
      if (reference.empty() || !is_name_start(reference[0])) {
        ++i;  // a lone '$' (e.g. in a password) stays as written
        continue;
      }
      std::optional<std::string> value = predefined(reference, where);
      if (!value) {
        const auto found = definitions_.find(reference);
        if (found != definitions_.end()) {
          if (found->second.multiline) {
            diagnostics_.error(where, "multiline definition '$" + reference + "' must stand alone on its line");
            return std::nullopt;
          }
          value = found->second.lines.front().text;
        }
      }
      if (!value) {
        if (!inside_quotes(text, i))
          diagnostics_.warning(where, "'$" + reference + "' is not defined; kept as written, as keepalived does");
        i = end;
        continue;
      }
      text.replace(i, end - i, *value);
      if (text.size() > max_expanded_line) {
        diagnostics_.error(where, "definition '$" + reference + "' expands to too much text (over " +
                                      std::to_string(max_expanded_line) + " characters on one line)");
        return std::nullopt;
      }
      // The replacement is read again: a value may hold references (keepalived replaces
      // recursively), but a value that is its own reference would never end.
      if (++replacements > max_replacements_per_line) {
        diagnostics_.error(where, "definition '$" + reference + "' refers to itself without end");
        return std::nullopt;
      }
    }
    return text;
  }

  static bool inside_quotes(std::string_view text, std::size_t position) {
    bool quoted = false;
    for (std::size_t i = 0; i < position; ++i) {
      if (text[i] == '"') quoted = !quoted;
    }
    return quoted;
  }

  // `text` is a statement (blanks trimmed) that starts at `column` of the line at `origin`.
  void emit(std::string_view text, std::uint32_t column, const SourceLocation& origin) {
    // An include's names are read as written: braces there are csh's, not blocks.
    const auto first_word_end = text.find_first_of(" \t");
    if (const auto checks = include_directive_checks(text.substr(0, first_word_end))) {
      SourceLocation at = origin;
      at.column = column;
      include(std::string(text.substr(0, first_word_end)),
              first_word_end == std::string_view::npos ? std::string_view() : text.substr(first_word_end), at,
              merged_checks(*checks));
      return;
    }
    // The line's tokens go to the sink together; the buffer keeps its capacity from line to line.
    auto& tokens = line_tokens_;
    tokens.clear();
    tokenize_into(tokens, text, origin.file, TextStart{origin.line, column}, diagnostics_);
    const bool stand_ins = text.find_first_of(std::string_view(stand_in_characters)) != std::string_view::npos;
    for (auto& token : tokens) {
      token.location.line = origin.line;
      if (!stand_ins) continue;
      std::replace(token.text.begin(), token.text.end(), hash_stand_in, '#');
      std::replace(token.text.begin(), token.text.end(), bang_stand_in, '!');
    }
    if (tokens.empty()) return;
    if (tokens.front().kind == TokenKind::word && tokens.front().text == "include_check") set_include_check(tokens);
    sink_(std::span<Token>(tokens));
  }

  IncludeChecks merged_checks(const IncludeChecks& directive) const {
    IncludeChecks c = include_checks_;
    c.readable = c.readable || directive.readable;
    c.match = c.match || directive.match;
    c.wildcard_match = c.wildcard_match || directive.wildcard_match;
    c.brace_match = c.brace_match || directive.brace_match;
    return c;
  }

  // include_check is a global_defs keyword keepalived applies while reading: so does this (the
  // line also goes on to global_defs, which accepts it).
  void set_include_check(const std::vector<Token>& tokens) {
    std::vector<std::string> words;
    for (std::size_t i = 1; i < tokens.size() && tokens[i].kind != TokenKind::end_of_line; ++i)
      words.push_back(tokens[i].text);
    std::string error;
    if (const auto checks = apply_include_check(include_checks_, words, error))
      include_checks_ = *checks;
    else
      diagnostics_.error(tokens.front().location, error);
  }

  // The names after an include directive: words, or "quoted names" for ones with blanks.
  void include(const std::string& directive, std::string_view rest, const SourceLocation& where,
               const IncludeChecks& checks) {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < rest.size();) {
      if (is_blank(rest[i])) {
        ++i;
        continue;
      }
      const bool quoted = rest[i] == '"';
      const std::size_t start = quoted ? i + 1 : i;
      std::size_t end = quoted ? rest.find('"', start) : rest.find_first_of(" \t", start);
      if (end == std::string_view::npos) end = rest.size();
      names.emplace_back(rest.substr(start, end - start));
      i = end + (quoted ? 1 : 0);
    }
    if (names.empty()) {
      diagnostics_.error(where, "'" + directive + "' needs a file name or pattern");
      return;
    }
    if (!options_.follow_includes) {
      diagnostics_.error(where, "include is disabled here");
      return;
    }
    for (const auto& pattern : names) include_pattern(Token{TokenKind::word, pattern, where}, checks);
  }

  void include_pattern(const Token& token, const IncludeChecks& checks) {
    const auto alternatives = expand_braces(token.text);
    std::vector<std::string> paths;
    for (const auto& alternative : alternatives) {
      std::filesystem::path pattern(alternative);
      if (pattern.is_relative()) pattern = std::filesystem::path(current_directory_) / pattern;
      glob_t matches{};
      const int rc = glob(pattern.c_str(), 0, nullptr, &matches);
      std::vector<std::string> found;
      if (rc == 0) found.assign(matches.gl_pathv, matches.gl_pathv + matches.gl_pathc);
      globfree(&matches);
      if (found.empty() && checks.brace_match && alternatives.size() > 1)
        diagnostics_.error(token.location, "include '" + token.text + "': '" + alternative + "' matches no file");
      // glob sorts each alternative's matches, and the alternatives keep their written order.
      paths.insert(paths.end(), found.begin(), found.end());
    }
    if (paths.empty()) {
      const bool error = checks.wildcard_match || (checks.match && !has_wildcard(token.text));
      const std::string message = "include '" + token.text + "' matches no file";
      if (error)
        diagnostics_.error(token.location, message);
      else
        diagnostics_.warning(token.location, message);
      return;
    }
    for (const auto& path : paths) expand_file(path, &token.location, checks);
  }

  const PreprocessOptions& options_;
  Diagnostics& diagnostics_;
  std::map<std::string, std::shared_ptr<const std::string>> names_;
  std::map<std::string, Definition> definitions_;
  std::vector<std::string> stack_;
  const TokenSink& sink_;
  std::vector<Token> line_tokens_;
  IncludeChecks include_checks_;
  std::string current_directory_ = ".";
  std::size_t generated_ = 0;
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace

std::string default_config_id() {
  utsname host{};
  if (::uname(&host) != 0) return {};
  const std::string node = host.nodename;
  return node.substr(0, node.find('.'));
}

void preprocess_file(const std::string& path, const PreprocessOptions& options, Diagnostics& diagnostics,
                     const TokenSink& sink) {
  Preprocessor(options, diagnostics, sink).expand_file(path, nullptr, IncludeChecks{});
}

void preprocess_text(std::string_view text, const std::string& file_name, const PreprocessOptions& options,
                     Diagnostics& diagnostics, const TokenSink& sink) {
  Preprocessor(options, diagnostics, sink).expand_text(text, file_name);
}

}  // namespace xdplb::config
