// The agent's own refusal: a request (a reload, a drain, a command) it turns down and leaves
// everything as it was. `what()` is the sentence for the operator; `reasons` the individual causes
// (every error of a refused configuration). The operator surfaces decide how to show it.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace xdplb::agent {

class Refused : public std::runtime_error {
 public:
  explicit Refused(const std::string& message, std::vector<std::string> reasons = {})
      : std::runtime_error(message), reasons_(std::move(reasons)) {}
  const std::vector<std::string>& reasons() const { return reasons_; }

 private:
  std::vector<std::string> reasons_;
};

}  // namespace xdplb::agent
