// Effective priority of a VRRP instance under tracking, computed the way keepalived does it.
//
// Each tracked object (vrrp_script, interface, ...) has a weight:
//   weight > 0  adds the weight while the object is healthy,
//   weight < 0  adds the (negative) weight while the object has failed,
//   weight 0    puts the instance in Fault while the object has failed.
// `reverse` (keepalived's keyword) negates the adjustment of a weighted object, and for a
// weight-0 object makes success, not failure, the fault.
// The sum is clamped to 1..254 so tracking can neither make an instance resign (0) nor claim
// address ownership (255); an address owner (base 255) keeps 255 whatever its weights say.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace xdplb::vrrp {

struct TrackedObject {
  std::string name;  // unique within the instance, e.g. "script:chk_haproxy", "interface:eth1"
  int weight = 0;    // -254..254
  bool reverse = false;
  bool healthy = true;  // initial state (keepalived's init_fail sets false)

  bool operator==(const TrackedObject&) const = default;
};

class PriorityCalculator {
 public:
  // Throws std::invalid_argument for base priority 0, a weight outside -254..254, or a
  // duplicate name.
  explicit PriorityCalculator(uint8_t base_priority, std::vector<TrackedObject> tracked = {});

  // Records a new health state. Returns true when the effective priority or the fault state
  // changed. Throws std::invalid_argument for a name that is not tracked.
  bool set_healthy(std::string_view name, bool healthy);

  uint8_t base() const { return base_; }
  uint8_t effective() const;
  bool faulted() const;
  // Names of the weight-0 objects currently holding the instance in Fault, for the log.
  std::vector<std::string> fault_causes() const;
  const std::vector<TrackedObject>& tracked() const { return tracked_; }

 private:
  static bool causes_fault(const TrackedObject& object);
  static int adjustment(const TrackedObject& object);

  uint8_t base_;
  std::vector<TrackedObject> tracked_;
};

}  // namespace xdplb::vrrp
