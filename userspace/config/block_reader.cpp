#include "config/block_reader.h"

#include "config/values.h"

namespace xdplb::config {

namespace {

// Entry tables of readers that are gone, cleared, their capacity kept. Readers nest (virtual_server,
// real_server, checker), so the pool holds about as many tables as the deepest nesting.
template <typename Entry>
std::vector<std::vector<Entry>>& spare_tables() {
  thread_local std::vector<std::vector<Entry>> tables;
  return tables;
}

}  // namespace

BlockReader::BlockReader(std::string block_name, Diagnostics& diagnostics, KeywordLocations* locations)
    : block_name_(std::move(block_name)), diagnostics_(diagnostics), locations_(locations) {
  auto& spare = spare_tables<Entry>();
  if (spare.empty()) {
    entries_.reserve(48);
  } else {
    entries_ = std::move(spare.back());
    spare.pop_back();
  }
}

BlockReader::~BlockReader() {
  entries_.clear();
  auto& spare = spare_tables<Entry>();
  if (spare.size() < 16) spare.push_back(std::move(entries_));
}

const BlockReader::Entry* BlockReader::find(std::string_view keyword) const {
  for (auto entry = entries_.rbegin(); entry != entries_.rend(); ++entry) {
    if (entry->keyword == keyword) return &*entry;
  }
  return nullptr;
}

BlockReader& BlockReader::on(std::string_view keyword, Handler handler) {
  entries_.push_back(Entry{keyword, Shape::line, std::move(handler), {}});
  return *this;
}

BlockReader& BlockReader::on_block(std::string_view keyword, Handler handler) {
  entries_.push_back(Entry{keyword, Shape::block, std::move(handler), {}});
  return *this;
}

BlockReader& BlockReader::on_either(std::string_view keyword, Handler handler) {
  entries_.push_back(Entry{keyword, Shape::either, std::move(handler), {}});
  return *this;
}

BlockReader& BlockReader::not_applicable(std::initializer_list<std::string_view> keywords,
                                         std::string_view reason) {
  return not_applicable(std::span(keywords.begin(), keywords.size()), reason);
}

BlockReader& BlockReader::not_applicable(std::span<const std::string_view> keywords,
                                         std::string_view reason) {
  for (const auto keyword : keywords)
    entries_.push_back(Entry{keyword, Shape::either, {}, reason});
  return *this;
}

void BlockReader::read(std::span<const SyntaxNode> statements) {
  if (locations_) locations_->reserve(statements.size());
  for (const auto& node : statements) {
    const std::string& keyword = node.keyword.text;
    const Entry* found = find(keyword);
    if (!found) {
      diagnostics_.unknown(node.location(),
                           "unknown keyword '" + keyword + "' in " + block_name_ + "; ignored");
      continue;
    }
    const Entry& entry = *found;
    if (!entry.handler) {
      diagnostics_.warning(node.location(), "'" + keyword + "' is not applicable to xdplb (" +
                                                std::string(entry.not_applicable_reason) + "); ignored");
      continue;
    }
    if (entry.shape == Shape::block && !node.has_block) {
      diagnostics_.error(node.location(), "'" + keyword + "' needs a { } block");
      continue;
    }
    if (entry.shape == Shape::line && node.has_block) {
      diagnostics_.error(node.location(), "'" + keyword + "' takes no { } block");
      continue;
    }
    if (locations_) locations_->record(entry.keyword, node.location());
    entry.handler(node);
  }
}

BlockReader::Handler BlockReader::word(std::string& field, std::string_view what, Diagnostics& diagnostics) {
  return [&field, what, &diagnostics](const SyntaxNode& node) {
    if (const auto* token = require_argument(node, 0, what, diagnostics)) field = token->text;
  };
}

BlockReader::Handler BlockReader::user_and_group(std::string& user, std::string& group,
                                                 Diagnostics& diagnostics) {
  return [&user, &group, &diagnostics](const SyntaxNode& node) {
    if (const auto* token = require_argument(node, 0, "a user name", diagnostics)) {
      user = token->text;
      if (node.arguments.size() > 1) group = node.arguments[1].text;
    }
  };
}

BlockReader::Handler BlockReader::command(std::string& field, std::string_view what,
                                          Diagnostics& diagnostics) {
  return [&field, what, &diagnostics](const SyntaxNode& node) {
    if (require_argument(node, 0, what, diagnostics)) field = join_arguments(node);
  };
}

BlockReader::Handler BlockReader::script_with_user(ScriptCommand& field, Diagnostics& diagnostics) {
  return [&field, &diagnostics](const SyntaxNode& node) {
    if (!require_argument(node, 0, "a script", diagnostics)) return;
    if (node.arguments.size() > 3) {
      diagnostics.error(node.arguments[3].location,
                        "'" + node.keyword.text + "' takes SCRIPT [USER [GROUP]]; quote a command line that has "
                        "arguments (\"/path/script arg\")");
      return;
    }
    field = ScriptCommand{node.arguments[0].text, node.arguments.size() > 1 ? node.arguments[1].text : "",
                          node.arguments.size() > 2 ? node.arguments[2].text : ""};
  };
}

BlockReader::Handler BlockReader::seconds(Duration& field, Duration min, Duration max,
                                          Diagnostics& diagnostics) {
  return [&field, min, max, &diagnostics](const SyntaxNode& node) {
    if (const auto* token = require_argument(node, 0, "a number of seconds", diagnostics)) {
      if (const auto value = read_seconds(*token, min, max, node.keyword.text, diagnostics)) field = *value;
    }
  };
}

BlockReader::Handler BlockReader::optional_seconds(std::optional<Duration>& field, Duration min, Duration max,
                                                   Diagnostics& diagnostics) {
  return [&field, min, max, &diagnostics](const SyntaxNode& node) {
    if (const auto* token = require_argument(node, 0, "a number of seconds", diagnostics)) {
      if (const auto value = read_seconds(*token, min, max, node.keyword.text, diagnostics)) field = *value;
    }
  };
}

namespace {

// "A, B or C", or "one of a b c".
std::string list_words(std::span<const std::string_view> words, WordList listing) {
  std::string listed = listing == WordList::one_of ? "one of" : "";
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (listing == WordList::one_of) {
      listed += ' ';
    } else if (i > 0) {
      listed += i + 1 == words.size() ? " or " : ", ";
    }
    listed += words[i];
  }
  return listed;
}

}  // namespace

std::optional<std::size_t> BlockReader::choose(const SyntaxNode& statement, const ChoiceRule& rule,
                                               std::span<const std::string_view> words,
                                               Diagnostics& diagnostics) {
  if (statement.arguments.empty()) {
    require_argument(statement, 0, rule.missing.empty() ? list_words(words, rule.listing) : std::string(rule.missing),
                     diagnostics);
    return std::nullopt;
  }
  const Token& token = statement.arguments[0];
  for (std::size_t i = 0; i < words.size(); ++i) {
    const bool same = rule.letter_case == LetterCase::any ? equals_ignoring_case(token.text, words[i])
                                                          : token.text == words[i];
    if (same) return i;
  }
  diagnostics.error(token.location, std::string(rule.subject) + " must be " + list_words(words, rule.listing) +
                                        ", not '" + token.text + "'");
  return std::nullopt;
}

std::optional<bool> read_statement_bool(const SyntaxNode& node, Diagnostics& diagnostics) {
  if (node.arguments.empty()) return true;
  const auto value = read_bool(node.arguments[0], node.keyword.text, diagnostics);
  if (value && node.arguments.size() > 1)
    diagnostics.warning(node.arguments[1].location, "'" + node.keyword.text + "' takes one BOOL; '" +
                                                        join_arguments(node, 1) + "' is ignored");
  return value;
}

void warn_flag_arguments(const SyntaxNode& node, Diagnostics& diagnostics) {
  if (node.arguments.empty()) return;
  diagnostics.warning(node.arguments[0].location,
                      "'" + node.keyword.text + "' takes no value: keepalived 2.2.7 ignores '" +
                          join_arguments(node) + "' and applies '" + node.keyword.text + "' alone; so does xdplb");
}

std::optional<std::int64_t> read_single_integer(const SyntaxNode& node, std::int64_t min, std::int64_t max,
                                                Diagnostics& diagnostics) {
  const auto* token = require_argument(node, 0, "a number", diagnostics);
  if (!token) return std::nullopt;
  return read_integer(*token, min, max, node.keyword.text, diagnostics);
}

}  // namespace xdplb::config
