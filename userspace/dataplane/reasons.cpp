#include "dataplane/reasons.h"

namespace xdplb::dataplane {

std::string_view reason_name(unsigned reason) {
  switch (reason) {
    case XDPLB_R_PASS_NON_IP: return "pass_non_ip";
    case XDPLB_R_PASS_NOT_VIP: return "pass_not_vip";
    case XDPLB_R_PASS_TRUNCATED: return "pass_truncated";
    case XDPLB_R_PASS_MALFORMED: return "pass_malformed";
    case XDPLB_R_PASS_FRAGMENT: return "pass_fragment";
    case XDPLB_R_FWD_TX: return "fwd_tx";
    case XDPLB_R_FWD_REDIRECT: return "fwd_redirect";
    case XDPLB_R_FWD_SORRY: return "fwd_sorry";
    case XDPLB_R_DROP_NO_BACKEND: return "drop_no_backend";
    case XDPLB_R_FWD_ICMP_ERROR: return "fwd_icmp_error";
    case XDPLB_R_DROP_BAD_BACKEND: return "drop_bad_backend";
    case XDPLB_R_PASS_INACTIVE: return "pass_inactive";
    case XDPLB_R_FWD_NAT_REPLY: return "fwd_nat_reply";
    case XDPLB_R_PASS_NAT_NO_NEIGH: return "pass_nat_no_neigh";
    case XDPLB_R_PASS_NAT_AMBIGUOUS: return "pass_nat_ambiguous";
    case XDPLB_R_DROP_TTL_EXPIRED: return "drop_ttl_expired";
    case XDPLB_R_PASS_TTL_EXPIRED: return "pass_ttl_expired";
    case XDPLB_R_PASS_NAT_NO_ROUTE: return "pass_nat_no_route";
    default: return "unknown";
  }
}

}  // namespace xdplb::dataplane
