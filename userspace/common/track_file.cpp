#include "common/track_file.h"

#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/unique_fd.h"

namespace xdplb {

namespace {

// keepalived reads at most this much of the file.
constexpr std::size_t kMaxRead = 127;

std::string error_text(int error) { return std::strerror(error); }

// The directory and file name of `path`, the directory resolved (it must exist).
bool split_resolved(const std::string& path, std::string& directory, std::string& file_part) {
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  file_part = slash == std::string::npos ? path : path.substr(slash + 1);
  char* resolved = ::realpath(dir.c_str(), nullptr);
  if (!resolved) return false;
  directory = resolved;
  std::free(resolved);
  struct stat st {};
  return ::stat(directory.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && !file_part.empty();
}

}  // namespace

TrackFileValue parse_track_file_value(std::string_view text) {
  const std::string copy(text.substr(0, kMaxRead));
  if (copy.find_first_not_of(" \t\r\n") == std::string::npos) return {0, {}};
  errno = 0;
  char* end = nullptr;
  const long parsed = std::strtol(copy.c_str(), &end, 0);
  if (end == copy.c_str()) {
    const auto word = copy.substr(0, std::min(copy.find_first_of("\r\n"), std::size_t{20}));
    return {0, "'" + word + "' is not a number: read as 0"};
  }
  if (errno == ERANGE || parsed < INT_MIN || parsed > INT_MAX)
    return {std::nullopt, "the number is outside -2147483648..2147483647: ignored"};
  std::string problem;
  if (std::string_view(end).find_first_not_of(" \t\r\n") != std::string_view::npos)
    problem = "text after the number is ignored";
  return {static_cast<int>(parsed), problem};
}

TrackFileValue read_track_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {0, {}};
  std::string text(kMaxRead, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return parse_track_file_value(text);
}

std::string initialise_track_file(const std::string& path, int value, bool overwrite) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (!overwrite) return {};
    if (!S_ISREG(st.st_mode)) return path + " is not a regular file";
  }
  std::ofstream out(path, std::ios::trunc);
  if (!out) return "cannot write " + path + ": " + error_text(errno);
  out << value << '\n';
  out.close();
  if (!out) return "cannot write " + path;
  return {};
}

TrackFileWatch::TrackFileWatch(asio::io_context& io, std::string name, std::string path, Handler on_change)
    : io_(io), name_(std::move(name)), path_(std::move(path)), on_change_(std::move(on_change)) {}

TrackFileWatch::~TrackFileWatch() {
  *alive_ = false;
  if (inotify_) {
    std::error_code ignored;
    inotify_->close(ignored);
  }
}

std::string TrackFileWatch::start() {
  const auto first = read_track_file(path_);
  if (!first.problem.empty()) spdlog::warn("track_file {} ({}): {}", name_, path_, first.problem);
  value_ = first.value.value_or(0);
  if (!split_resolved(path_, directory_, file_part_))
    return "the directory of " + path_ + " does not exist";
  UniqueFd fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!fd) return "inotify: " + error_text(errno);
  watch_ = ::inotify_add_watch(fd.get(), directory_.c_str(), IN_CLOSE_WRITE | IN_DELETE | IN_MOVE);
  if (watch_ < 0) return "inotify on " + directory_ + ": " + error_text(errno);
  inotify_ = std::make_unique<asio::posix::stream_descriptor>(io_, fd.release());
  read_events();
  return {};
}

void TrackFileWatch::read_events() {
  inotify_->async_read_some(asio::buffer(buffer_), [this, alive = alive_](const std::error_code& ec, std::size_t n) {
    if (!*alive || ec) return;
    on_events(n);
    read_events();
  });
}

void TrackFileWatch::on_events(std::size_t bytes) {
  bool removed = false;
  bool written = false;
  for (std::size_t offset = 0; offset + sizeof(inotify_event) <= bytes;) {
    inotify_event event{};
    std::memcpy(&event, buffer_.data() + offset, sizeof(event));
    const char* name = buffer_.data() + offset + sizeof(inotify_event);
    offset += sizeof(inotify_event) + event.len;
    if (event.wd != watch_ || event.len == 0 || (event.mask & IN_ISDIR)) continue;
    if (file_part_ != std::string_view(name, ::strnlen(name, event.len))) continue;
    if (event.mask & (IN_MOVED_FROM | IN_DELETE)) removed = true, written = false;
    if (event.mask & (IN_MOVED_TO | IN_CLOSE_WRITE)) written = true;
  }
  if (written) {
    update(read_track_file(path_));
  } else if (removed) {
    update(TrackFileValue{0, {}});
  }
}

void TrackFileWatch::update(const TrackFileValue& read) {
  if (!read.problem.empty()) spdlog::warn("track_file {} ({}): {}", name_, path_, read.problem);
  if (!read.value || *read.value == value_) return;
  spdlog::info("track_file {} ({}): value {} -> {}", name_, path_, value_, *read.value);
  value_ = *read.value;
  on_change_(value_);
}

}  // namespace xdplb
