#include "common/interface_sysctl.h"

#include <fstream>

#include <spdlog/spdlog.h>

namespace xdplb {

namespace {

std::string path_of(const std::string& ifname, const std::string& key) {
  return "/proc/sys/net/ipv4/conf/" + ifname + "/" + key;
}

}  // namespace

std::optional<std::string> read_interface_sysctl(const std::string& ifname, const std::string& key) {
  std::ifstream in(path_of(ifname, key));
  std::string value;
  if (!(in >> value)) return std::nullopt;
  return value;
}

bool write_interface_sysctl(const std::string& ifname, const std::string& key, const std::string& value) {
  std::ofstream out(path_of(ifname, key));
  out << value << '\n';
  out.flush();
  if (!out) {
    spdlog::warn("cannot set net.ipv4.conf.{}.{} = {}", ifname, key, value);
    return false;
  }
  return true;
}

void SysctlChanges::set(const std::string& ifname, const std::string& key, const std::string& value) {
  const auto before = read_interface_sysctl(ifname, key);
  if (!before || *before == value) return;
  if (write_interface_sysctl(ifname, key, value)) previous_.emplace(std::make_pair(ifname, key), *before);
}

void SysctlChanges::restore() {
  for (const auto& [where, value] : previous_) write_interface_sysctl(where.first, where.second, value);
  previous_.clear();
}

}  // namespace xdplb
