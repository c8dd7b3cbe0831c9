// BlockReader on its own: the "enum from word" helper and named readers, on statements lexed from text.
#include <doctest/doctest.h>

#include "config/block_reader.h"
#include "config/syntax_tree.h"

using namespace xdplb::config;

namespace {

enum class Colour { red, green, blue };

constexpr Choices<Colour, 3> colours{
    .rule = {.subject = "colour", .letter_case = LetterCase::any},
    .spellings = {{{"RED", Colour::red}, {"GREEN", Colour::green}, {"BLUE", Colour::blue}}}};
constexpr Choices<Colour, 3> exact_colours{
    .rule = {.subject = "paint", .listing = WordList::one_of, .missing = "a colour"},
    .spellings = {{{"red", Colour::red}, {"green", Colour::green}, {"blue", Colour::blue}}}};

// The first statement of `text`, read as "block.conf".
SyntaxNode statement_of(std::string_view text) {
  Diagnostics lexing;
  auto tree =
      build_syntax_tree(tokenize(text, std::make_shared<const std::string>("block.conf"), lexing), lexing);
  REQUIRE_FALSE(lexing.has_errors());
  REQUIRE(tree.size() == 1);
  return tree[0];
}

std::string reported(const Diagnostics& diagnostics) {
  std::string text;
  for (const auto& d : diagnostics.all()) text += format_diagnostic(d) + "\n";
  return text;
}

}  // namespace

TEST_CASE("block reader: choice takes each spelling, in any letter case when the rule says so") {
  Diagnostics diagnostics;
  CHECK(BlockReader::choice(statement_of("colour RED\n"), colours, diagnostics) == Colour::red);
  CHECK(BlockReader::choice(statement_of("colour green\n"), colours, diagnostics) == Colour::green);
  CHECK(BlockReader::choice(statement_of("colour bLuE extra\n"), colours, diagnostics) == Colour::blue);
  CHECK(BlockReader::choice(statement_of("paint red\n"), exact_colours, diagnostics) == Colour::red);
  CHECK(BlockReader::choice(statement_of("paint blue\n"), exact_colours, diagnostics) == Colour::blue);
  CHECK_MESSAGE(diagnostics.all().empty(), reported(diagnostics));

  // An exact rule refuses another letter case.
  CHECK_FALSE(BlockReader::choice(statement_of("paint Red\n"), exact_colours, diagnostics));
  CHECK(diagnostics.error_count() == 1);
}

TEST_CASE(
    "block reader: a wrong word is an error at the word listing the choices; a missing one at the keyword") {
  struct Mistake {
    std::string_view text;
    const Choices<Colour, 3>& choices;
    std::string_view reported;
  };
  const Mistake mistakes[] = {
      {"colour  purple\n", colours,
       "block.conf:1:9: error: colour must be RED, GREEN or BLUE, not 'purple'\n"},
      {"paint Red\n", exact_colours,
       "block.conf:1:7: error: paint must be one of red green blue, not 'Red'\n"},
      {"  colour\n", colours, "block.conf:1:3: error: 'colour' needs RED, GREEN or BLUE\n"},
      {"paint\n", exact_colours, "block.conf:1:1: error: 'paint' needs a colour\n"},
  };
  for (const auto& mistake : mistakes) {
    Diagnostics diagnostics;
    CHECK_FALSE(BlockReader::choice(statement_of(mistake.text), mistake.choices, diagnostics));
    CHECK(reported(diagnostics) == mistake.reported);
  }
}

TEST_CASE("block reader: a choice of two words lists them with 'or' alone") {
  constexpr Choices<bool, 2> answers{.rule = {.subject = "answer"},
                                     .spellings = {{{"yes", true}, {"no", false}}}};
  Diagnostics diagnostics;
  CHECK_FALSE(BlockReader::choice(statement_of("answer maybe\n"), answers, diagnostics));
  CHECK_FALSE(BlockReader::choice(statement_of("answer\n"), answers, diagnostics));
  CHECK(reported(diagnostics) ==
        "block.conf:1:8: error: answer must be yes or no, not 'maybe'\n"
        "block.conf:1:1: error: 'answer' needs yes or no\n");
}

TEST_CASE("block reader: the choice handler stores the value and keeps the old one on a mistake") {
  Diagnostics diagnostics;
  Colour colour = Colour::red;
  BlockReader reader("test", diagnostics);
  reader.on("colour", BlockReader::choice(colour, colours, diagnostics));
  reader.read({statement_of("colour blue\n")});
  CHECK(colour == Colour::blue);
  reader.read({statement_of("colour purple\n")});
  reader.read({statement_of("colour\n")});
  CHECK(colour == Colour::blue);
  CHECK(diagnostics.error_count() == 2);
}

namespace {

struct Sample {
  std::string name;
  std::optional<int> level;
};

void read_sample_name(const SyntaxNode& statement, Sample& sample, Diagnostics& diagnostics) {
  if (statement.arguments.empty())
    diagnostics.error(statement.location(), "no name");
  else
    sample.name = statement.arguments[0].text;
}

}  // namespace

TEST_CASE("block reader: a named reader gets the model and the reader's diagnostics; optional integers") {
  Diagnostics diagnostics;
  Sample sample;
  KeywordLocations locations;
  BlockReader reader("sample", diagnostics, &locations);
  reader.on("name", read_sample_name, sample)
      .on_block("named", read_sample_name, sample)
      .on("level", BlockReader::integer(sample.level, 1, 9, diagnostics));
  reader.read({statement_of("name first\n")});
  CHECK(sample.name == "first");
  CHECK_FALSE(sample.level);
  reader.read({statement_of("level 10\n")});
  CHECK_FALSE(sample.level);
  reader.read({statement_of("level 7\n")});
  CHECK(sample.level == 7);
  reader.read({statement_of("name\n")});
  reader.read({statement_of("named {\n}\n")});
  reader.read({statement_of("named second\n")});
  CHECK(sample.name == "first");
  CHECK(reported(diagnostics) ==
        "block.conf:1:7: error: level 10 is out of range (1-9)\n"
        "block.conf:1:1: error: no name\n"
        "block.conf:1:1: error: no name\n"
        "block.conf:1:1: error: 'named' needs a { } block\n");
  CHECK(locations.contains("name"));
  CHECK(locations.contains("level"));
}
