#include "vrrp/notify_fifo.h"

namespace xdplb::vrrp {

std::string notify_fifo_line(NotifySubject subject, const std::string& name, State state, int priority) {
  return std::string(subject == NotifySubject::group ? "GROUP" : "INSTANCE") + " \"" + name + "\" " +
         std::string(to_string(state, StateSpelling::notify)) + " " + std::to_string(priority) + "\n";
}

}  // namespace xdplb::vrrp
