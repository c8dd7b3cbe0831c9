// Helpers shared by the config tests: load text as "test.conf" and look at what was reported.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "config/load.h"

namespace xdplb::config::test {

// The grammar alone: the host's scripts are not looked at (check_scripts_test.cpp does that).
inline LoadOptions grammar_only() {
  LoadOptions options;
  options.check_host = false;
  return options;
}

inline LoadResult load_text(std::string_view text, LoadOptions options = grammar_only()) {
  return load_config_text(text, "test.conf", options);
}

// "FILE:LINE" of every diagnostic of the given severity, in order.
inline std::vector<std::string> lines_of(const LoadResult& result, Severity severity) {
  std::vector<std::string> lines;
  for (const auto& d : result.diagnostics)
    if (d.severity == severity) lines.push_back(d.file + ":" + std::to_string(d.line));
  return lines;
}

inline std::vector<std::string> error_lines(const LoadResult& result) {
  return lines_of(result, Severity::error);
}
inline std::vector<std::string> warning_lines(const LoadResult& result) {
  return lines_of(result, Severity::warning);
}

// Every diagnostic formatted, one per line: the failure message of a CHECK.
inline std::string all_diagnostics(const LoadResult& result) {
  std::string text;
  for (const auto& d : result.diagnostics) text += format_diagnostic(d) + "\n";
  return text;
}

inline bool mentions(const LoadResult& result, std::string_view needle) {
  return all_diagnostics(result).find(needle) != std::string::npos;
}

// A directory that exists for one test and is removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "xdplb-config-test-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  std::string write(const std::string& relative, std::string_view content) const {
    const auto file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << content;
    return file.string();
  }

 private:
  std::filesystem::path path_;
};

// The smallest valid instance, for tests that care about one keyword: VRID 51 on eth0.
inline constexpr std::string_view minimal_instance_body =
    "  interface eth0\n"
    "  virtual_router_id 51\n"
    "  virtual_ipaddress {\n"
    "    198.18.0.1/24\n"
    "  }\n";

// A second instance (VRID 52) and the sync group of both: keepalived reports a group of one.
inline constexpr std::string_view second_instance =
    "vrrp_instance VI_2 {\n"
    "  interface eth0\n"
    "  virtual_router_id 52\n"
    "  virtual_ipaddress {\n"
    "    198.18.0.2/24\n"
    "  }\n"
    "}\n";
inline constexpr std::string_view sync_group_head = "vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n";

}  // namespace xdplb::config::test
