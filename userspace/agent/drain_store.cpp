#include "agent/drain_store.h"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"

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

}  // namespace

DrainStore::Loaded DrainStore::load() const {
  Loaded out;
  if (!keeps()) return out;
  std::error_code ec;
  if (!std::filesystem::exists(file_, ec) && !ec) return out;
  std::string problem;
  try {
    std::ifstream in(file_);
    if (!in) throw std::runtime_error("cannot be read");
    std::stringstream text;
    text << in.rdbuf();
    out.drains = decode(nlohmann::json::parse(text.str()));
    return out;
  } catch (const std::exception& e) {
    problem = e.what();
  }
  out.drains.clear();
  const auto aside = file_.native() + ".bad";
  std::filesystem::rename(file_, aside, ec);
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
