#include "agent/drain_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <stdexcept>
#include <system_error>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/unique_fd.h"

namespace xdplb::agent {

namespace {

// The file's layout; a file of another version is refused (moved aside), never half-read.
constexpr int kFormatVersion = 1;

DrainSet decode(const nlohmann::json& doc) {
  if (!doc.is_object()) throw std::runtime_error("not a JSON object");
  const auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_integer() || version->get<int>() != kFormatVersion)
    throw std::runtime_error("not version " + std::to_string(kFormatVersion) + " of the drains file");
  const auto drains = doc.find("drains");
  if (drains == doc.end() || !drains->is_array()) throw std::runtime_error("no \"drains\" array");
  DrainSet out;
  for (const auto& d : *drains) {
    if (!d.is_object() || !d.contains("vip") || !d.contains("real_server") ||
        !d["vip"].is_string() || !d["real_server"].is_string())
      throw std::runtime_error("a drain that is not {\"vip\": text, \"real_server\": text}: " + d.dump());
    out.insert({d["vip"].get<std::string>(), d["real_server"].get<std::string>()});
  }
  return out;
}

// The file's bytes, or nothing with errno set (a drains file is a few hundred bytes; 1 MiB is plenty).
std::optional<std::string> read_whole(const std::filesystem::path& file) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return std::nullopt;
  std::string text;
  char buffer[4096];
  for (;;) {
    const auto n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) return text;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > (1u << 20)) {
      errno = EFBIG;
      return std::nullopt;
    }
  }
}

}  // namespace

DrainStore::Loaded DrainStore::load() const {
  Loaded out;
  if (!keeps()) return out;
  std::error_code ec;
  if (!std::filesystem::exists(file_, ec) && !ec) return out;
  const auto text = read_whole(file_);
  if (!text) {
    out.problem = file_.native() + ": cannot be read: " + std::generic_category().message(errno);
    return out;
  }
  std::string problem;
  try {
    out.drains = decode(nlohmann::json::parse(*text));
    return out;
  } catch (const std::exception& e) {
    problem = e.what();
  }
  out.drains.clear();
  const auto aside = file_.native() + ".bad";
  std::filesystem::rename(file_, aside, ec);
  out.moved_aside = !ec;
  out.problem = file_.native() + ": " + problem + (ec ? "; could not move it aside: " + ec.message()
                                                      : "; moved aside to " + aside);
  return out;
}

void DrainStore::save(const DrainSet& drains) const {
  if (!keeps()) return;
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [vip, real_server] : drains)
    list.push_back({{"vip", vip}, {"real_server", real_server}});
  const nlohmann::json doc = {{"version", kFormatVersion}, {"drains", list}};
  std::error_code ec;
  std::filesystem::create_directories(file_.parent_path(), ec);
  if (ec) throw std::runtime_error("cannot create " + file_.parent_path().native() + ": " + ec.message());
  replace_file_atomically(file_, doc.dump(2) + "\n", 0600);
}

}  // namespace xdplb::agent
