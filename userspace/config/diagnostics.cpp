#include "config/diagnostics.h"

#include <algorithm>
#include <utility>

namespace xdplb::config {

const std::string& SourceLocation::file_name() const {
  static const std::string unknown = "<unknown>";
  return file ? *file : unknown;
}

std::string format_diagnostic(const Diagnostic& diagnostic) {
  std::string text = diagnostic.file;
  text += ':';
  text += std::to_string(diagnostic.line);
  text += ':';
  text += std::to_string(diagnostic.column);
  text += diagnostic.severity == Severity::error ? ": error: " : ": warning: ";
  text += diagnostic.message;
  return text;
}

KeepalivedReport keepalived_verdict(const std::vector<Diagnostic>& diagnostics) {
  KeepalivedReport verdict = KeepalivedReport::none;
  for (const auto& diagnostic : diagnostics) verdict = std::max(verdict, diagnostic.keepalived);
  return verdict;
}

void Diagnostics::error(const SourceLocation& where, std::string message) {
  add(Severity::error, where, std::move(message), KeepalivedReport::none);
}

void Diagnostics::warning(const SourceLocation& where, std::string message, KeepalivedReport keepalived) {
  add(Severity::warning, where, std::move(message), keepalived);
}

void Diagnostics::unknown(const SourceLocation& where, std::string message) {
  add(strict_ ? Severity::error : Severity::warning, where, std::move(message), KeepalivedReport::config);
}

void Diagnostics::add(Severity severity, const SourceLocation& where, std::string message,
                      KeepalivedReport keepalived) {
  if (severity == Severity::error) ++error_count_;
  diagnostics_.push_back(
      Diagnostic{severity, where.file_name(), where.line, where.column, std::move(message), keepalived});
}

}  // namespace xdplb::config
