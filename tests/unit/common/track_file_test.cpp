#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "common/track_file.h"

using namespace xdplb;

TEST_CASE("track file: values are read as keepalived reads them") {
  CHECK(parse_track_file_value("12\n").value == 12);
  CHECK(parse_track_file_value("  -3").value == -3);
  CHECK(parse_track_file_value("0x10").value == 16);
  CHECK(parse_track_file_value("").value == 0);
  const auto garbage = parse_track_file_value("up\n");
  CHECK(garbage.value == 0);
  CHECK_FALSE(garbage.problem.empty());
  const auto huge = parse_track_file_value("99999999999");
  CHECK_FALSE(huge.value);
  CHECK(read_track_file("/nonexistent/xdplb").value == 0);
}

TEST_CASE("track file: the watch sees writes, renames into place, removal and bad content") {
  const auto dir = std::filesystem::temp_directory_path() / ("xdplb-track-file-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "value").string();
  CHECK(initialise_track_file(path, 7, false).empty());
  CHECK(read_track_file(path).value == 7);
  CHECK(initialise_track_file(path, 9, false).empty());
  CHECK(read_track_file(path).value == 7);  // exists: kept without overwrite
  asio::io_context io;
  std::vector<int> seen;
  TrackFileWatch watch(io, "v", path, [&](int value) { seen.push_back(value); });
  REQUIRE(watch.start().empty());
  CHECK(watch.value() == 7);
  const auto settle = [&] { io.restart(); io.run_for(std::chrono::milliseconds(100)); };
  { std::ofstream(path) << "5\n"; }
  settle();
  { std::ofstream(dir / "tmp") << "-2\n"; }
  std::filesystem::rename(dir / "tmp", path);
  settle();
  { std::ofstream(path) << "oops\n"; }  // not a number: 0
  settle();
  { std::ofstream(path) << "4\n"; }
  settle();
  std::filesystem::remove(path);  // gone: 0
  settle();
  CHECK(seen == std::vector<int>{5, -2, 0, 4, 0});
  CHECK(TrackFileWatch(io, "x", "/nonexistent/dir/f", [](int) {}).start().find("does not exist") != std::string::npos);
  std::filesystem::remove_all(dir);
}
