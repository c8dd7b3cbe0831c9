#include "xdplbd/dump_files.h"

#include <system_error>

#include <spdlog/spdlog.h>

namespace xdplb::xdplbd {

DumpFiles::DumpFiles(std::filesystem::path directory, const std::string& instance)
    : directory_(std::move(directory)), instance_(instance) {}

std::filesystem::path DumpFiles::base(const char* suffix) const {
  return directory_ / (instance_ + "." + suffix);
}

DumpFiles::~DumpFiles() {
  for (const auto& path : {state(), stats(), json()}) {
    std::error_code ec;
    if (std::filesystem::remove(path, ec))
      spdlog::debug("removed {}", path.native());
    else if (ec)
      spdlog::warn("cannot remove {}: {}", path.native(), ec.message());
  }
}

}  // namespace xdplb::xdplbd
