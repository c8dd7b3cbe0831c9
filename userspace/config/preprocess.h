// Resolves the file-level directives of keepalived.conf before any keyword is interpreted:
//   include PATTERN...   glob(7) patterns, relative to the including file's directory
//   $NAME=value          a definition, visible to every later line (and to included files)
//   $NAME or ${NAME}     replaced by the definition's tokens
//   @ID line, @^ID line  keepalived's conditional lines: the line counts only on a node whose config
//                        id is (for @^: is not) ID

// The result is one token stream in which every token still carries the file:line:column it came
// from; a substituted token carries the location of the $NAME that produced it.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.h"
#include "config/lexer.h"

namespace xdplb::config {

struct PreprocessOptions {
  // The fuzzer turns includes off so that random input cannot read arbitrary files.
  bool follow_includes = true;
  // How many lines one written line may generate (~SEQ, ~LST, multiline definitions).
  std::size_t max_generated_lines = 4 * 1024 * 1024;
  // Bounds include recursion (cycles are also detected by path).
  unsigned max_include_depth = 16;
  // What @ID lines are compared with (keepalived's -i/--config-id; default_config_id() when unset).
  std::string config_id;
};

// keepalived's default config id: the node name (uname) up to its first '.'.
std::string default_config_id();

// Receives the tokens, in order, one line's at a time (a large file's tokens are never all held at
// once); the sink may move them out.
using TokenSink = std::function<void(std::span<Token>)>;

// Reads `path` and everything it includes. A file that cannot be read is an error at the include
// that named it (or at FILE:1:1 for the top-level file).
void preprocess_file(const std::string& path, const PreprocessOptions& options, Diagnostics& diagnostics,
                     const TokenSink& sink);

// The same for text already in memory; `file_name` names it in diagnostics and anchors relative
// includes.
void preprocess_text(std::string_view text, const std::string& file_name, const PreprocessOptions& options,
                     Diagnostics& diagnostics, const TokenSink& sink);

}  // namespace xdplb::config
