// libFuzzer target: any byte string given as a configuration file must give diagnostics or a model,
// never a crash, a hang or a sanitizer report. Includes are off so the input cannot read files.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/dump_json.h"
#include "config/load.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const bool strict : {false, true}) {
    xdplb::config::LoadOptions options;
    options.strict = strict;
    options.follow_includes = false;
    options.max_generated_lines = 10000;
    options.check_host = false;  // the grammar only: no stat() of whatever paths the fuzzer invents
    const auto result = xdplb::config::load_config_text(text, "fuzz.conf", options);
    for (const auto& diagnostic : result.diagnostics) {
      // Every diagnostic names a real position.
      if (diagnostic.line == 0 || diagnostic.column == 0 || diagnostic.message.empty()) __builtin_trap();
      (void)xdplb::config::format_diagnostic(diagnostic);
    }
    if (result.ok() == false && result.diagnostics.empty()) __builtin_trap();
    if (result.ok()) (void)xdplb::config::dump_config_json(*result.config);
  }
  return 0;
}
