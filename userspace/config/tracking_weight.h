// The weight a track_script / track_file line applies: its own `weight N`, else its definition's.
#pragma once

#include "config/model.h"

namespace xdplb::config {

inline int effective_weight(const TrackedScript& tracked, const VrrpScript& script) {
  return tracked.weight.value_or(script.weight);
}
inline int effective_weight(const TrackedFile& tracked, const TrackFile& file) {
  return tracked.weight.value_or(file.weight);
}

}  // namespace xdplb::config
