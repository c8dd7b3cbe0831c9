// Drains that outlive the agent: the operator's drains (xdplbctl drain) written to a small JSON file
// in the instance's state directory (/var/lib/xdplb/<instance>/drains.json), replaced atomically on
// every change and read back at start, so a restart or an upgrade does not put a drained real
// server back into service.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "agent/service_plan.h"

namespace xdplb::agent {

class DrainStore {
 public:
  // Without a file nothing is kept: drains last as long as the agent (tests, --state-directory "").
  explicit DrainStore(std::filesystem::path file = {}) : file_(std::move(file)) {}

  struct Loaded {
    DrainSet drains;
    // Why the file could not be used. When it is damaged or not ours it was moved aside to
    // `<file>.bad` for the operator (moved_aside); when it could not be read it stays where it is,
    // for the next start. Either way the agent starts without drains.
    std::optional<std::string> problem;
    bool moved_aside = false;
  };
  // A missing file is no drain, not a problem.
  Loaded load() const;
  // Throws std::runtime_error naming the file when it cannot be written; the old file stays.
  void save(const DrainSet& drains) const;

  const std::filesystem::path& file() const { return file_; }
  bool keeps() const { return !file_.empty(); }

 private:
  std::filesystem::path file_;
};

}  // namespace xdplb::agent
