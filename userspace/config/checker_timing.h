// The timing a checker runs with, resolved as keepalived 2.2.7 does: a value not written in the
// checker is the real_server's, then the virtual_server's, then the checker type's default
// (check_api.c: checker <- real_server <- virtual_server).
#pragma once

#include "config/model.h"

namespace xdplb::config {

struct CheckerTiming {
  Duration connect_timeout = std::chrono::seconds(5);
  Duration delay_loop = std::chrono::seconds(60);
  unsigned retry = 1;
  Duration delay_before_retry = std::chrono::seconds(1);
  // The first check runs at a random time in [0, warmup); 0 starts it at once.
  Duration warmup = std::chrono::seconds(60);
  bool alpha = false;  // start the checker failed and wait for a success

  bool operator==(const CheckerTiming&) const = default;
};

// keepalived's type defaults: retry 1 (DNS_CHECK 3, MISC_CHECK 0); delay_before_retry 1 s (HTTP_GET
// and SSL_GET 3 s, DNS_CHECK its delay_loop); warmup the delay_loop.
CheckerTiming effective_timing(const VirtualServer& vs, const RealServer& rs, const Checker& checker);

// Whether the real server starts failed: one of its checkers starts in alpha mode.
bool starts_down(const VirtualServer& vs, const RealServer& rs);

// The real server's inhibit_on_failure, else the virtual server's.
bool effective_inhibit_on_failure(const VirtualServer& vs, const RealServer& rs);

}  // namespace xdplb::config
