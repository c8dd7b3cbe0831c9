// keepalived's include directives: a file name with glob(7) wildcards and csh-style braces
// ("conf.d/{vrrp,lvs}/*.conf"), and the checks of include_check / includer / includem / includew /
// includeb / includea that turn a missing or unreadable match into an error.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xdplb::config {

struct IncludeChecks {
  bool readable = false;        // a match that cannot be read is an error
  bool match = false;           // no match of a name without wildcards is an error
  bool wildcard_match = false;  // no match at all is an error, wildcards or not
  bool brace_match = false;     // a brace alternative that matches nothing is an error

  static IncludeChecks all() { return {true, true, true, true}; }
  bool operator==(const IncludeChecks&) const = default;
};

// The checks a directive word adds: "include" none, "includer" readable, "includem" match,
// "includew" wildcard_match, "includeb" brace_match, "includea" all (match and the others imply
// readable). nullopt: not an include directive.
std::optional<IncludeChecks> include_directive_checks(std::string_view word);

// include_check's words: none = all; "+x"/"x" add, "-x" remove. Returns the new checks or nullopt
// with `error` naming the bad word.
std::optional<IncludeChecks> apply_include_check(IncludeChecks current, const std::vector<std::string>& words,
                                                 std::string& error);

// csh-style brace expansion, left to right: "a{b,c{d,e}}f" -> abf, acdf, acef. A pattern with
// unbalanced braces is returned as written.
std::vector<std::string> expand_braces(std::string_view pattern);

bool has_wildcard(std::string_view pattern);

}  // namespace xdplb::config
