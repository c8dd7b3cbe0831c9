// Reading one typed value from a token, with the range keepalived enforces. Every reader reports a
// precise error at the token and returns nullopt, so the caller keeps the default and goes on: one
// load reports every mistake, not only the first.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/address.h"
#include "config/diagnostics.h"
#include "config/lexer.h"
#include "config/model.h"
#include "config/syntax_tree.h"

namespace xdplb::config {

std::optional<std::int64_t> read_integer(const Token& token, std::int64_t min, std::int64_t max,
                                         std::string_view what, Diagnostics& diagnostics);

// Decimal seconds ("2", "0.5", "1.25"), kept to the millisecond; finer digits are an error.
std::optional<Duration> read_seconds(const Token& token, Duration min, Duration max, std::string_view what,
                                     Diagnostics& diagnostics);

std::optional<IpAddress> read_address(const Token& token, bool allow_prefix, std::string_view what,
                                      Diagnostics& diagnostics);

std::optional<std::uint16_t> read_port(const Token& token, std::string_view what, Diagnostics& diagnostics);
// A virtual_server's or real_server's port, where keepalived takes 0 too: every port (a virtual
// server) or the port the packet came to (a real server), as if none were written.
std::optional<std::uint16_t> read_service_port(const Token& token, std::string_view what, Diagnostics& diagnostics);

// keepalived's BOOL, written in lower case: true/false, yes/no, on/off. Anything else (also "1", "0"
// and "True", which keepalived 2.2.7 refuses too) is an error naming the keyword and the word.
std::optional<bool> read_bool(const Token& token, std::string_view keyword, Diagnostics& diagnostics);

// The statement's argument at `index`, or an error "'KEYWORD' needs WHAT" at the keyword.
const Token* require_argument(const SyntaxNode& node, std::size_t index, std::string_view what,
                              Diagnostics& diagnostics);

// The arguments joined by single spaces: a script command line, which may be quoted or not.
std::string join_arguments(const SyntaxNode& node, std::size_t from = 0);

// Case-insensitive ASCII comparison (keepalived accepts "master", "MASTER", "Master").
bool equals_ignoring_case(std::string_view a, std::string_view b);

}  // namespace xdplb::config
