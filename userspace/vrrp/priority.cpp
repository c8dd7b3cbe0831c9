#include "vrrp/priority.h"

#include <algorithm>
#include <stdexcept>

namespace xdplb::vrrp {

namespace {
constexpr int kMaxWeight = 254;
constexpr uint8_t kOwner = 255;
}  // namespace

constexpr int kFileFault = -254;
constexpr int kFileMax = 253;

std::string to_string(const TrackedId& id) {
  switch (id.kind) {
    case TrackedKind::interface: return "interface:" + id.name;
    case TrackedKind::script: return "script:" + id.name;
    case TrackedKind::file: return "file:" + id.name;
  }
  return id.name;
}

PriorityCalculator::PriorityCalculator(uint8_t base_priority, std::vector<TrackedObject> tracked)
    : base_(base_priority), tracked_(std::move(tracked)) {
  if (base_ == 0) throw std::invalid_argument("priority 0 is reserved for resignation; use 1..255");
  for (size_t i = 0; i < tracked_.size(); ++i) {
    const auto& object = tracked_[i];
    if (object.weight < -kMaxWeight || object.weight > kMaxWeight)
      throw std::invalid_argument("tracked object " + to_string(object.id) + ": weight " +
                                  std::to_string(object.weight) + " is outside -254..254");
    for (size_t j = 0; j < i; ++j)
      if (tracked_[j].id == object.id)
        throw std::invalid_argument("tracked object " + to_string(object.id) + " is listed twice");
  }
}

TrackedObject& PriorityCalculator::find(const TrackedId& id) {
  const auto it = std::find_if(tracked_.begin(), tracked_.end(), [&](const auto& o) { return o.id == id; });
  if (it == tracked_.end()) throw std::invalid_argument("no tracked object named " + to_string(id));
  return *it;
}

bool PriorityCalculator::set_healthy(const TrackedId& id, bool healthy) {
  auto& object = find(id);
  const uint8_t priority_before = effective();
  const bool fault_before = faulted();
  object.healthy = healthy;
  return priority_before != effective() || fault_before != faulted();
}

bool PriorityCalculator::set_value(const TrackedId& id, int value) {
  auto& object = find(id);
  const uint8_t priority_before = effective();
  const bool fault_before = faulted();
  object.value = value;
  return priority_before != effective() || fault_before != faulted();
}

int PriorityCalculator::file_offset(const TrackedObject& object) {
  const long long product = static_cast<long long>(object.value) * object.weight * (object.reverse ? -1 : 1);
  return static_cast<int>(std::clamp<long long>(product, kFileFault, kFileMax));
}

bool PriorityCalculator::causes_fault(const TrackedObject& object) {
  if (object.id.kind == TrackedKind::file)
    return object.weight == 0 ? (object.value != 0) != object.reverse : file_offset(object) == kFileFault;
  return object.weight == 0 && object.healthy == object.reverse;
}

int PriorityCalculator::adjustment(const TrackedObject& object) {
  if (object.weight == 0) return 0;
  if (object.id.kind == TrackedKind::file) return causes_fault(object) ? 0 : file_offset(object);
  const bool applies = object.weight > 0 ? object.healthy : !object.healthy;
  if (!applies) return 0;
  return object.reverse ? -object.weight : object.weight;
}

uint8_t PriorityCalculator::effective() const {
  if (base_ == kOwner) return kOwner;
  int total = base_;
  for (const auto& object : tracked_) total += adjustment(object);
  return static_cast<uint8_t>(std::clamp(total, 1, kOwner - 1));
}

bool PriorityCalculator::faulted() const {
  return std::any_of(tracked_.begin(), tracked_.end(), causes_fault);
}

std::vector<TrackedId> PriorityCalculator::fault_causes() const {
  std::vector<TrackedId> ids;
  for (const auto& object : tracked_)
    if (causes_fault(object)) ids.push_back(object.id);
  return ids;
}

}  // namespace xdplb::vrrp
