// The entry point: read a keepalived.conf-style file into a validated model. Pure: the only I/O is
// reading the file and what it includes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.h"
#include "config/model.h"

namespace xdplb::config {

struct LoadOptions {
  // Unknown keywords are errors instead of warnings.
  bool strict = false;
  // Off for the fuzzer: `include` is then an error instead of reading files.
  bool follow_includes = true;
};

struct LoadResult {
  // Set when the configuration is usable: no errors (warnings are fine).
  std::optional<Config> config;
  std::vector<Diagnostic> diagnostics;

  bool ok() const { return config.has_value(); }
};

LoadResult load_config(const std::string& path, const LoadOptions& options);

// The same for text in memory; `file_name` names it in diagnostics and anchors relative includes.
LoadResult load_config_text(std::string_view text, const std::string& file_name, const LoadOptions& options);

}  // namespace xdplb::config
