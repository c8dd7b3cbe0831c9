// Where a piece of configuration came from, and what is wrong with it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace xdplb::config {

struct SourceLocation {
  // Shared: every token of a file points at the same name.
  std::shared_ptr<const std::string> file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;

  const std::string& file_name() const;
};

enum class Severity { warning, error };

// What keepalived 2.2.7's own `keepalived -t` makes of the input a warning is about: nothing (xdplb
// alone says it), a configuration report (keepalived -t then exits 5), or the script-security
// violation (exit 6). `xdplbd -t` exits as keepalived would when it has no error of its own, so a
// script that gates on `keepalived -t` gates the same way on `xdplbd -t`. Ordered: a file's
// verdict is its strongest diagnostic's.
enum class KeepalivedReport { none, config, script_security };

struct Diagnostic {
  Severity severity = Severity::error;
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string message;
  KeepalivedReport keepalived = KeepalivedReport::none;
};

// "FILE:LINE:COL: error: WHAT" (or "warning:"), the form compilers use so editors can jump to it.
std::string format_diagnostic(const Diagnostic& diagnostic);

// The strongest KeepalivedReport among `diagnostics`.
KeepalivedReport keepalived_verdict(const std::vector<Diagnostic>& diagnostics);

// Collects the diagnostics of one load. Under --strict, warnings about keywords xdplb does not know
// become errors (see warn_unknown).
class Diagnostics {
 public:
  explicit Diagnostics(bool strict = false) : strict_(strict) {}

  void error(const SourceLocation& where, std::string message);
  void warning(const SourceLocation& where, std::string message,
               KeepalivedReport keepalived = KeepalivedReport::none);
  // A warning about something keepalived 2.2.7 reports too (its -t exits 5 on it).
  void keepalived_warning(const SourceLocation& where, std::string message) {
    warning(where, std::move(message), KeepalivedReport::config);
  }
  // An unknown keyword (keepalived reports it too): a warning, or an error under --strict.
  void unknown(const SourceLocation& where, std::string message);

  const std::vector<Diagnostic>& all() const { return diagnostics_; }
  std::vector<Diagnostic> take() { return std::move(diagnostics_); }
  bool has_errors() const { return error_count_ > 0; }
  std::size_t error_count() const { return error_count_; }

 private:
  void add(Severity severity, const SourceLocation& where, std::string message, KeepalivedReport keepalived);

  bool strict_;
  std::size_t error_count_ = 0;
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace xdplb::config
