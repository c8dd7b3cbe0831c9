// The entry point: read a keepalived.conf-style file into a validated model. The I/O is reading
// the file and what it includes and, unless check_host is off, looking at the scripts and the
// interfaces it names (check_scripts.h, check_interfaces.h) the way start-up will.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/interface_directory.h"
#include "common/user_database.h"
#include "config/connected_networks.h"
#include "config/diagnostics.h"
#include "config/model.h"

namespace xdplb::config {

struct LoadOptions {
  // Unknown keywords are errors instead of warnings.
  bool strict = false;
  // Off for the fuzzer: `include` is then an error instead of reading files.
  bool follow_includes = true;
  // How many lines one written line may generate (~SEQ, ~LST, multiline definitions): the fuzzer
  // lowers it so that one input cannot take seconds.
  std::size_t max_generated_lines = 4 * 1024 * 1024;
  // Look at this host as start-up will: who runs each script and whether its file may run
  // (check_scripts.h), which named interfaces exist (check_interfaces.h), and which real servers are
  // on a connected network (check_real_server_reach.h). Off for the fuzzer and for tests of the
  // grammar alone.
  bool check_host = true;
  // The user database, the interfaces and the connected networks of that check; null: the host's.
  const UserDatabase* users = nullptr;
  const InterfaceDirectory* interfaces = nullptr;
  const ConnectedNetworks* networks = nullptr;
  // keepalived's config id for `@ID` lines (-i/--config-id); unset: the short host name.
  std::optional<std::string> config_id;
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
