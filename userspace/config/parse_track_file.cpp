// track_file blocks (keepalived 2.2.7; vrrp_track_file is the old name) and the track_file lists of
// vrrp_instance and vrrp_sync_group that refer to them.
#include <cctype>

#include "config/block_reader.h"
#include "config/parse_blocks.h"
#include "config/values.h"

namespace xdplb::config::detail {

namespace {

// keepalived 2.2.7 takes -254..254 for a track_file's weight, in the block and in a reference.
constexpr std::int64_t max_track_file_weight = 254;
// An init_file value outside this range works but makes little sense as a priority offset.
constexpr std::int64_t sensible_init_value = 254;

// "weight N [reverse]"
void read_weight(const SyntaxNode& statement, TrackFile& file, Diagnostics& diagnostics) {
  const auto weight = read_single_integer(statement, -max_track_file_weight, max_track_file_weight, diagnostics);
  if (!weight) return;
  file.weight = static_cast<int>(*weight);
  if (statement.arguments.size() < 2) return;
  const Token& option = statement.arguments[1];
  if (option.text == "reverse") {
    file.weight_reverse = true;
  } else {
    diagnostics.error(option.location, "expected 'reverse' after the track_file weight, not '" + option.text + "'");
  }
}

bool starts_like_number(const std::string& word) {
  return !word.empty() && (std::isdigit(static_cast<unsigned char>(word[0])) || word[0] == '-');
}

// "init_file [VALUE] [overwrite]": VALUE defaults to 0.
void read_init_file(const SyntaxNode& statement, TrackFile& file, Diagnostics& diagnostics) {
  file.init = TrackFileInit::create;
  file.init_value = 0;
  for (const auto& word : statement.arguments) {
    if (word.text == "overwrite") {
      file.init = TrackFileInit::overwrite;
    } else if (starts_like_number(word.text)) {
      const auto value = read_integer(word, INT32_MIN, INT32_MAX, "init_file value", diagnostics);
      if (!value) continue;
      if (*value < -sensible_init_value || *value > sensible_init_value)
        diagnostics.keepalived_warning(word.location, "init_file value " + word.text + " is outside the sensible range -254..254");
      file.init_value = static_cast<int>(*value);
    } else {
      diagnostics.error(word.location, "init_file takes [VALUE] [overwrite], not '" + word.text + "'");
    }
  }
}

}  // namespace

std::optional<TrackFile> parse_track_file(const SyntaxNode& node, Diagnostics& diagnostics) {
  const std::string& kind = node.keyword.text;
  if (node.arguments.empty()) {
    diagnostics.error(node.location(), kind + " needs a name");
    return std::nullopt;
  }
  if (!node.has_block) {
    diagnostics.error(node.location(), kind + " " + node.arguments[0].text + " needs a { } block");
    return std::nullopt;
  }
  TrackFile file;
  file.name = node.arguments[0].text;
  file.location = node.location();
  BlockReader reader(kind + " " + file.name, diagnostics, &file.keywords);
  reader.on("file", BlockReader::word(file.file, "a file name", diagnostics))
      .on("weight", read_weight, file)
      .on("init_file", read_init_file, file);
  reader.read(node.children);
  if (file.file.empty()) {
    diagnostics.error(node.location(), kind + " " + file.name + " has no file");
    return std::nullopt;
  }
  return file;
}

std::vector<TrackedFile> parse_tracked_files(const SyntaxNode& block, Diagnostics& diagnostics) {
  std::vector<TrackedFile> result;
  for (const auto& line : block.children) {
    TrackedFile tracked{line.keyword.text, std::nullopt, std::nullopt, line.location()};
    const auto& words = line.arguments;
    if (!words.empty()) {
      if (words[0].text != "weight" || words.size() < 2) {
        diagnostics.error(words[0].location, "expected 'weight N' after track_file '" + line.keyword.text + "'");
        continue;
      }
      const auto weight =
          read_integer(words[1], -max_track_file_weight, max_track_file_weight, "track_file weight", diagnostics);
      if (!weight) continue;
      tracked.weight = static_cast<int>(*weight);
      if (words.size() > 2) {
        if (words[2].text != "reverse" && words[2].text != "noreverse") {
          diagnostics.error(words[2].location, "expected 'reverse' or 'noreverse' after the weight of track_file '" +
                                                   line.keyword.text + "', not '" + words[2].text + "'");
          continue;
        }
        tracked.reverse = words[2].text == "reverse";
      }
      if (words.size() > 3)
        diagnostics.warning(words[3].location,
                            "'" + join_arguments(line, 3) + "' after track_file '" + line.keyword.text + "' is ignored");
    }
    if (line.has_block) diagnostics.error(line.location(), "track_file '" + line.keyword.text + "' takes no { } block");
    result.push_back(std::move(tracked));
  }
  return result;
}

}  // namespace xdplb::config::detail
