// Dispatches the statements of one block to per-keyword handlers, and gives every keyword nobody
// handles a clear answer: "not applicable to xdplb" for keepalived keywords xdplb deliberately
// ignores, "unknown keyword" (an error under --strict) for anything else.
#pragma once

#include <array>
#include <cstddef>
#include <new>
#include <type_traits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.h"
#include "config/model.h"
#include "config/syntax_tree.h"

namespace xdplb::config {

// One spelling of a keyword whose value is a word from a fixed set ("lb_kind DR"), and what it means.
template <typename Value>
struct Spelling {
  std::string_view word;
  Value value;
};

// keepalived takes some of these words in any letter case ("state master") and others only as
// written ("lb_algo rr", xdplb's "xdp_mode native").
enum class LetterCase { exact, any };

// How an error lists the allowed words: "DR, NAT or TUN", or "one of rr wrr lc ..." for a long list.
enum class WordList { a_b_or_c, one_of };

// What BlockReader::choice says besides the words themselves.
struct ChoiceRule {
  // The name in "SUBJECT must be A or B, not 'C'". An alias says its keepalived original's name
  // (lvs_method's errors speak of lb_kind), so it is not always the keyword.
  std::string_view subject;
  LetterCase letter_case = LetterCase::exact;
  WordList listing = WordList::a_b_or_c;
  // What "'KEYWORD' needs ..." says when the word is missing; empty: the allowed words, listed.
  std::string_view missing = {};
};

template <typename Value, std::size_t N>
struct Choices {
  ChoiceRule rule;
  std::array<Spelling<Value>, N> spellings;
};

// A keyword's handler: a callable `void(const SyntaxNode&) const` held in place, never on the heap.
// A reader is made for every block of a file (ten thousand real servers make twenty thousand), and
// std::function allocates for anything larger than two pointers. So a handler must be trivially
// copyable and at most `capacity` bytes: a lambda that captures references and small values. One that
// needs a string or a container captures a reference to it (or a string_view of a literal) instead.
class KeywordHandler {
 public:
  static constexpr std::size_t capacity = 48;

  KeywordHandler() = default;
  template <typename Callable>
    requires(!std::is_same_v<std::decay_t<Callable>, KeywordHandler> &&
             std::is_invocable_v<const Callable&, const SyntaxNode&>)
  KeywordHandler(Callable callable) {  // NOLINT: implicit, as std::function's
    static_assert(sizeof(Callable) <= capacity, "a keyword handler captures at most 48 bytes");
    static_assert(alignof(Callable) <= alignof(std::max_align_t));
    static_assert(std::is_trivially_copyable_v<Callable> && std::is_trivially_destructible_v<Callable>,
                  "a keyword handler captures references and small values only");
    ::new (static_cast<void*>(storage_)) Callable(std::move(callable));
    invoke_ = [](const void* stored, const SyntaxNode& node) { (*static_cast<const Callable*>(stored))(node); };
  }

  explicit operator bool() const { return invoke_ != nullptr; }
  void operator()(const SyntaxNode& node) const { invoke_(storage_, node); }

 private:
  alignas(std::max_align_t) unsigned char storage_[capacity] = {};
  void (*invoke_)(const void*, const SyntaxNode&) = nullptr;
};

class BlockReader {
 public:
  using Handler = KeywordHandler;
  // A named handler of one keyword (or of a family of them) that fills part of `Model`.
  template <typename Model>
  using NamedReader = void (*)(const SyntaxNode&, Model&, Diagnostics&);

  // `block_name` names the block in messages ("vrrp_instance VI_1"); `locations`, when given,
  // receives each handled keyword's location.
  BlockReader(std::string block_name, Diagnostics& diagnostics, KeywordLocations* locations = nullptr);
  // The entry table goes back to a per-thread pool: a file of 10,000 real servers makes a reader for
  // each real server and each checker, and without the pool each one allocates its table afresh.
  ~BlockReader();
  BlockReader(const BlockReader&) = delete;
  BlockReader& operator=(const BlockReader&) = delete;

  // A keyword with values on its line and no block.
  BlockReader& on(std::string_view keyword, Handler handler);
  // A keyword that must open a { } block.
  BlockReader& on_block(std::string_view keyword, Handler handler);
  // A keyword that may or may not have a block (keepalived's "persistence_timeout" has neither).
  BlockReader& on_either(std::string_view keyword, Handler handler);
  // The same three with a named reader, called with `model` and this reader's diagnostics.
  template <typename Model>
  BlockReader& on(std::string_view keyword, NamedReader<Model> reader, Model& model) {
    return on(keyword, bind(reader, model));
  }
  template <typename Model>
  BlockReader& on_block(std::string_view keyword, NamedReader<Model> reader, Model& model) {
    return on_block(keyword, bind(reader, model));
  }
  template <typename Model>
  BlockReader& on_either(std::string_view keyword, NamedReader<Model> reader, Model& model) {
    return on_either(keyword, bind(reader, model));
  }
  // keepalived keywords accepted with a warning that says why xdplb ignores them.
  BlockReader& not_applicable(std::initializer_list<std::string_view> keywords, std::string_view reason);
  BlockReader& not_applicable(std::span<const std::string_view> keywords, std::string_view reason);

  void read(std::span<const SyntaxNode> statements);
  void read(const std::vector<SyntaxNode>& statements) { read(std::span<const SyntaxNode>(statements)); }

  // Common handlers.
  // keepalived's bare flag ("nopreempt", a virtual_server's "alpha"): the keyword sets `value`.
  // keepalived 2.2.7 ignores any word after such a keyword ("alpha false" is alpha on): xdplb does
  // the same and says so in a warning. `Field` is bool or std::optional<bool>.
  template <typename Field>
  static Handler flag(Field& field, Diagnostics& diagnostics, bool value = true);
  // keepalived's `KEYWORD [BOOL]` ("smtp_alert", a real_server's "inhibit_on_failure"): the keyword
  // alone is true, else true/false, yes/no or on/off; any other word is an error.
  template <typename Field>
  static Handler boolean(Field& field, Diagnostics& diagnostics);
  // `what` ("a router id") names the missing argument in an error: a literal, kept as a view.
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

  // `Field` is an integer type, or an optional one (unset unless written).
  template <typename Field>
  static Handler integer(Field& field, std::int64_t min, std::int64_t max, Diagnostics& diagnostics);

  // "Enum from word": the value of the statement's first word, or nullopt once the missing word
  // ("'state' needs MASTER or BACKUP") or a word not in `choices` ("state must be MASTER or BACKUP,
  // not 'LEADER'", at the word) is reported.
  template <typename Value, std::size_t N>
  static std::optional<Value> choice(const SyntaxNode& statement, const Choices<Value, N>& choices,
                                     Diagnostics& diagnostics);
  // The handler that stores that value in `field`; `choices` is a namespace-scope constant, kept by
  // reference.
  template <typename Value, std::size_t N>
  static Handler choice(Value& field, const Choices<Value, N>& choices, Diagnostics& diagnostics);

 private:
  enum class Shape { line, block, either };
  // The keyword and the reason are string literals (or other static storage: KeywordLocations keep
  // views of the keywords): a reader is made for every block of a file, so its table is kept free of
  // allocations it can avoid.
  struct Entry {
    std::string_view keyword;
    Shape shape;
    Handler handler;
    std::string_view not_applicable_reason;
  };
  const Entry* find(std::string_view keyword) const;

  template <typename Model>
  Handler bind(NamedReader<Model> reader, Model& model) {
    return [reader, &model, &diagnostics = diagnostics_](const SyntaxNode& node) {
      reader(node, model, diagnostics);
    };
  }
  // The index in `words` of the statement's first word, or nullopt once the mistake is reported.
  static std::optional<std::size_t> choose(const SyntaxNode& statement, const ChoiceRule& rule,
                                           std::span<const std::string_view> words, Diagnostics& diagnostics);

  std::string block_name_;
  Diagnostics& diagnostics_;
  KeywordLocations* locations_;
  // In registration order; a keyword registered again is found by its last entry.
  std::vector<Entry> entries_;
};

// The value of a `KEYWORD [BOOL]` statement, or nullopt once a bad word is reported.
std::optional<bool> read_statement_bool(const SyntaxNode& node, Diagnostics& diagnostics);
// The warning for words after a bare flag, which keepalived ignores.
void warn_flag_arguments(const SyntaxNode& node, Diagnostics& diagnostics);

std::optional<std::int64_t> read_single_integer(const SyntaxNode& node, std::int64_t min, std::int64_t max,
                                                Diagnostics& diagnostics);

namespace detail {
template <typename Field>
struct IntegerOf {
  using type = Field;
};
template <typename Integer>
struct IntegerOf<std::optional<Integer>> {
  using type = Integer;
};
}  // namespace detail

template <typename Field>
BlockReader::Handler BlockReader::integer(Field& field, std::int64_t min, std::int64_t max,
                                          Diagnostics& diagnostics) {
  return [&field, min, max, &diagnostics](const SyntaxNode& node) {
    if (const auto value = read_single_integer(node, min, max, diagnostics))
      field = static_cast<typename detail::IntegerOf<Field>::type>(*value);
  };
}

template <typename Field>
BlockReader::Handler BlockReader::flag(Field& field, Diagnostics& diagnostics, bool value) {
  return [&field, &diagnostics, value](const SyntaxNode& node) {
    warn_flag_arguments(node, diagnostics);
    field = value;
  };
}

template <typename Field>
BlockReader::Handler BlockReader::boolean(Field& field, Diagnostics& diagnostics) {
  return [&field, &diagnostics](const SyntaxNode& node) {
    if (const auto value = read_statement_bool(node, diagnostics)) field = *value;
  };
}

template <typename Value, std::size_t N>
std::optional<Value> BlockReader::choice(const SyntaxNode& statement, const Choices<Value, N>& choices,
                                         Diagnostics& diagnostics) {
  std::array<std::string_view, N> words;
  for (std::size_t i = 0; i < N; ++i) words[i] = choices.spellings[i].word;
  const auto index = choose(statement, choices.rule, words, diagnostics);
  if (!index) return std::nullopt;
  return choices.spellings[*index].value;
}

template <typename Value, std::size_t N>
BlockReader::Handler BlockReader::choice(Value& field, const Choices<Value, N>& choices,
                                         Diagnostics& diagnostics) {
  return [&field, &choices, &diagnostics](const SyntaxNode& node) {
    if (const auto value = choice(node, choices, diagnostics)) field = *value;
  };
}

}  // namespace xdplb::config
