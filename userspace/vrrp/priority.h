// Effective priority of a VRRP instance under tracking, computed the way keepalived does it.
//
// Each tracked object (vrrp_script, interface, ...) has a weight:
//   weight > 0  adds the weight while the object is healthy,
//   weight < 0  adds the (negative) weight while the object has failed,
//   weight 0    puts the instance in Fault while the object has failed.
// `reverse` (keepalived's keyword) negates the adjustment of a weighted object, and for a
// weight-0 object makes success, not failure, the fault.
// A track_file follows a value, not a health: with weight 0 a non-zero value is the fault (reverse:
// a zero value); otherwise value x weight (negated by reverse), kept to -254..253, is the
// adjustment, and -254 (below -253) is the fault (keepalived 2.2.7's rule).
// The sum is clamped to 1..254 so tracking can neither make an instance resign (0) nor claim
// address ownership (255); an address owner (base 255) keeps 255 whatever its weights say.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <vector>

namespace xdplb::vrrp {

// What a tracked object follows: an interface's link (track_interface), a vrrp_script's result
// (track_script), or a track_file's value (track_file).
enum class TrackedKind : uint8_t { interface, script, file };

// Which tracked object: link and script results find theirs by it. Unique within an instance.
struct TrackedId {
  TrackedKind kind = TrackedKind::script;
  std::string name;  // the interface, the vrrp_script block or the track_file block

  friend auto operator<=>(const TrackedId&, const TrackedId&) = default;
};

// "interface:eth1", "script:chk_haproxy": how logs and errors name a tracked object.
std::string to_string(const TrackedId& id);

struct TrackedObject {
  TrackedId id;
  int weight = 0;    // -254..254
  bool reverse = false;
  bool healthy = true;  // initial state (keepalived's init_fail sets false)
  int value = 0;        // a track_file's value (kind file only; `healthy` is unused then)

  bool operator==(const TrackedObject&) const = default;
};

class PriorityCalculator {
 public:
  // Throws std::invalid_argument for base priority 0, a weight outside -254..254, or an object
  // listed twice.
  explicit PriorityCalculator(uint8_t base_priority, std::vector<TrackedObject> tracked = {});

  // Records a new health state. Returns true when the effective priority or the fault state
  // changed. Throws std::invalid_argument for an object that is not tracked.
  bool set_healthy(const TrackedId& id, bool healthy);
  // The same for a track_file's value.
  bool set_value(const TrackedId& id, int value);

  uint8_t base() const { return base_; }
  uint8_t effective() const;
  bool faulted() const;
  // The weight-0 objects currently holding the instance in Fault.
  std::vector<TrackedId> fault_causes() const;
  const std::vector<TrackedObject>& tracked() const { return tracked_; }

 private:
  static bool causes_fault(const TrackedObject& object);
  static int adjustment(const TrackedObject& object);
  // A weighted track_file's value x weight, kept to -254..253 (-254: the fault).
  static int file_offset(const TrackedObject& object);
  TrackedObject& find(const TrackedId& id);

  uint8_t base_;
  std::vector<TrackedObject> tracked_;
};

}  // namespace xdplb::vrrp
