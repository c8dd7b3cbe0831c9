#include "dataplane/bpffs.h"

#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

#include <spdlog/spdlog.h>

namespace xdplb::dataplane {

bool is_bpffs(const std::string& path) {
  struct statfs st {};
  return ::statfs(path.c_str(), &st) == 0 && static_cast<unsigned long>(st.f_type) == BPF_FS_MAGIC;
}

void ensure_bpffs_mounted() {
  if (is_bpffs(kBpffsRoot)) return;
  std::error_code ec;
  std::filesystem::create_directories(kBpffsRoot, ec);
  if (::mount("bpf", kBpffsRoot, "bpf", 0, "mode=0700") != 0)
    throw std::system_error(errno, std::generic_category(), std::string("mount bpffs at ") + kBpffsRoot);
  spdlog::info("mounted bpffs at {}", kBpffsRoot);
}

std::string pin_dir_for_instance(const std::string& instance) {
  return std::string(kBpffsRoot) + "/xdplb/" + instance;
}

void make_pin_dir(const std::string& dir) {
  std::filesystem::path current;
  for (const auto& part : std::filesystem::path(dir)) {
    current /= part;
    if (::mkdir(current.c_str(), 0700) != 0 && errno != EEXIST)
      throw std::system_error(errno, std::generic_category(), "mkdir " + current.string());
  }
}

}  // namespace xdplb::dataplane
