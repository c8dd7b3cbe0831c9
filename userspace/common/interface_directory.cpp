#include "common/interface_directory.h"

#include <net/if.h>

namespace xdplb {

namespace {

class SystemInterfaces final : public InterfaceDirectory {
 public:
  bool exists(const std::string& name) const override { return ::if_nametoindex(name.c_str()) != 0; }
};

}  // namespace

const InterfaceDirectory& system_interfaces() {
  static const SystemInterfaces interfaces;
  return interfaces;
}

}  // namespace xdplb
