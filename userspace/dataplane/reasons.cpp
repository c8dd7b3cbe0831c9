#include "dataplane/reasons.h"

namespace xdplb::dataplane {

std::string_view reason_name(unsigned reason) {
  switch (reason) {
    case XDPLB_R_PASS_NON_IP: return "pass_non_ip";
    case XDPLB_R_PASS_NOT_VIP: return "pass_not_vip";
    case XDPLB_R_PASS_TRUNCATED: return "pass_truncated";
    case XDPLB_R_PASS_MALFORMED: return "pass_malformed";
    case XDPLB_R_PASS_FRAGMENT: return "pass_fragment";
    default: return "unknown";
  }
}

}  // namespace xdplb::dataplane
