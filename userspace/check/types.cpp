#include "check/types.h"

namespace xdplb::check {

std::string CheckTarget::describe() const {
  std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(port);
}

}  // namespace xdplb::check
