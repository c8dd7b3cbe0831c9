// Dispatches the statements of one block to per-keyword handlers, and gives every keyword nobody
// handles a clear answer: "not applicable to xdplb" for keepalived keywords xdplb deliberately
// ignores, "unknown keyword" (an error under --strict) for anything else.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.h"
#include "config/model.h"
#include "config/syntax_tree.h"

namespace xdplb::config {

class BlockReader {
 public:
  using Handler = std::function<void(const SyntaxNode&)>;

  // `block_name` names the block in messages ("vrrp_instance VI_1"); `locations`, when given,
  // receives each handled keyword's location.
  BlockReader(std::string block_name, Diagnostics& diagnostics, KeywordLocations* locations = nullptr);

  // A keyword with values on its line and no block.
  BlockReader& on(std::string_view keyword, Handler handler);
  // A keyword that must open a { } block.
  BlockReader& on_block(std::string_view keyword, Handler handler);
  // A keyword that may or may not have a block (keepalived's "persistence_timeout" has neither).
  BlockReader& on_either(std::string_view keyword, Handler handler);
  // keepalived keywords accepted with a warning that says why xdplb ignores them.
  BlockReader& not_applicable(std::initializer_list<std::string_view> keywords, std::string_view reason);

  void read(const std::vector<SyntaxNode>& statements);

  // Common handlers.
  static Handler flag(bool& field);
  static Handler word(std::string& field, std::string_view what, Diagnostics& diagnostics);
  static Handler command(std::string& field, std::string_view what, Diagnostics& diagnostics);
  // keepalived's `KEYWORD SCRIPT [USER [GROUP]]` (notify_*, quorum_*, *_fifo_script): one word or one
  // quoted string is the script, the words after it its user and group.
  static Handler script_with_user(ScriptCommand& field, Diagnostics& diagnostics);
  // `KEYWORD USER [GROUP]` (script_user, a vrrp_script's user).
  static Handler user_and_group(std::string& user, std::string& group, Diagnostics& diagnostics);
  static Handler seconds(Duration& field, Duration min, Duration max, Diagnostics& diagnostics);
  static Handler optional_seconds(std::optional<Duration>& field, Duration min, Duration max,
                                  Diagnostics& diagnostics);

  template <typename Integer>
  static Handler integer(Integer& field, std::int64_t min, std::int64_t max, Diagnostics& diagnostics);

 private:
  enum class Shape { line, block, either };
  struct Entry {
    Shape shape;
    Handler handler;
    std::string not_applicable_reason;
  };

  std::string block_name_;
  Diagnostics& diagnostics_;
  KeywordLocations* locations_;
  std::map<std::string, Entry, std::less<>> entries_;
};

std::optional<std::int64_t> read_single_integer(const SyntaxNode& node, std::int64_t min, std::int64_t max,
                                                Diagnostics& diagnostics);

template <typename Integer>
BlockReader::Handler BlockReader::integer(Integer& field, std::int64_t min, std::int64_t max,
                                          Diagnostics& diagnostics) {
  return [&field, min, max, &diagnostics](const SyntaxNode& node) {
    if (const auto value = read_single_integer(node, min, max, diagnostics))
      field = static_cast<Integer>(*value);
  };
}

}  // namespace xdplb::config
