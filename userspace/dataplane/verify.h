// Dataplane::verify's answer: each way the live maps differ from what should be served.
#pragma once

#include <string>
#include <vector>

namespace xdplb::dataplane {

struct Discrepancy {
  std::string subject;  // "tcp/198.18.0.100:80", "tcp/198.18.0.100:80 198.18.0.11:80", "xdplb_settings"
  std::string problem;  // what the live maps hold instead, and what it does to traffic
  friend bool operator==(const Discrepancy&, const Discrepancy&) = default;
};

}  // namespace xdplb::dataplane
