#include "config/load.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "config/check_interfaces.h"
#include "config/check_real_server_reach.h"
#include "config/check_scripts.h"
#include "config/parser.h"
#include "config/preprocess.h"
#include "config/syntax_tree.h"
#include "config/validate.h"

namespace xdplb::config {

namespace {

LoadResult finish(Config config, const LoadOptions& options, Diagnostics& diagnostics) {
  validate(config, diagnostics);
  if (options.check_host) {
    check_scripts(config, options.users ? *options.users : system_user_database(), diagnostics);
    check_interfaces(config, options.interfaces ? *options.interfaces : system_interfaces(), diagnostics);
    check_real_server_reach(config, options.networks ? *options.networks : system_connected_networks(), diagnostics);
  }
  LoadResult result;
  if (!diagnostics.has_errors()) result.config = std::move(config);
  result.diagnostics = diagnostics.take();
  // In reading order: files in the order they were first mentioned, then line and column.
  std::map<std::string, std::size_t> file_order;
  for (const auto& diagnostic : result.diagnostics) file_order.emplace(diagnostic.file, file_order.size());
  std::stable_sort(result.diagnostics.begin(), result.diagnostics.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) {
                     return std::tuple(file_order[a.file], a.line, a.column) <
                            std::tuple(file_order[b.file], b.line, b.column);
                   });
  return result;
}

PreprocessOptions preprocess_options(const LoadOptions& options) {
  PreprocessOptions result;
  result.follow_includes = options.follow_includes;
  result.max_generated_lines = options.max_generated_lines;
  result.config_id = options.config_id ? *options.config_id : default_config_id();
  return result;
}

}  // namespace

LoadResult load_config(const std::string& path, const LoadOptions& options) {
  Diagnostics diagnostics(options.strict);
  // Streamed: tokens into the tree, each completed top-level block into the model, then dropped.
  ModelBuilder model(diagnostics);
  SyntaxTreeBuilder tree(diagnostics, [&](SyntaxNode block) { model.add(block); });
  preprocess_file(path, preprocess_options(options), diagnostics, [&](std::span<Token> line) { tree.add_line(line); });
  tree.finish();
  return finish(model.finish(), options, diagnostics);
}

LoadResult load_config_text(std::string_view text, const std::string& file_name, const LoadOptions& options) {
  Diagnostics diagnostics(options.strict);
  ModelBuilder model(diagnostics);
  SyntaxTreeBuilder tree(diagnostics, [&](SyntaxNode block) { model.add(block); });
  preprocess_text(text, file_name, preprocess_options(options), diagnostics,
                  [&](std::span<Token> line) { tree.add_line(line); });
  tree.finish();
  return finish(model.finish(), options, diagnostics);
}

}  // namespace xdplb::config
