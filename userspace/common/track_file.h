// keepalived's track files: a file holding an integer, read whenever it changes. The value is
// parsed as keepalived 2.2.7 reads it (strtol, base 0: "12", "-3", "0x10"); a missing or empty
// file, or one that does not start with a number, is 0; a number outside int is ignored (the last
// value stays). TrackFileWatch follows the file with inotify on its directory, so that a file
// written in place, renamed into place, or removed is seen (removed: 0, as keepalived does).
#pragma once

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace xdplb {

// What a track file's text says.
struct TrackFileValue {
  std::optional<int> value;  // unset: out of range, keep the last value
  std::string problem;       // why the text is not plainly a number; empty: it is
};

TrackFileValue parse_track_file_value(std::string_view text);

// The value of the file at `path` now (missing: 0).
TrackFileValue read_track_file(const std::string& path);

// keepalived's init_file: writes "VALUE\n" to `path` when it does not exist, or always when
// `overwrite` (a regular file only). Returns why it could not; empty on success.
std::string initialise_track_file(const std::string& path, int value, bool overwrite);

class TrackFileWatch {
 public:
  using Handler = std::function<void(int value)>;

  // `on_change` runs on the loop with each new value (not for a rewrite to the same value).
  TrackFileWatch(asio::io_context& io, std::string name, std::string path, Handler on_change);
  ~TrackFileWatch();
  TrackFileWatch(const TrackFileWatch&) = delete;
  TrackFileWatch& operator=(const TrackFileWatch&) = delete;

  // Reads the file and starts watching its directory. Returns why watching is impossible (the
  // directory does not exist, inotify refused); the value is then read once and never again.
  std::string start();
  int value() const { return value_; }
  const std::string& name() const { return name_; }

 private:
  void read_events();
  void on_events(std::size_t bytes);
  void update(const TrackFileValue& read);

  asio::io_context& io_;
  std::string name_;
  std::string path_;
  std::string directory_;
  std::string file_part_;
  Handler on_change_;
  int value_ = 0;
  int watch_ = -1;
  std::unique_ptr<asio::posix::stream_descriptor> inotify_;
  alignas(8) std::array<char, 4096> buffer_{};
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace xdplb
