// Where an item of the configuration was written (model.h, route_model.h).
#pragma once

#include "config/diagnostics.h"

namespace xdplb::config {

// Where an item was written: for diagnostics only, so it is equal to any other. Moving a block in
// the file does not change what it means.
struct WrittenAt : SourceLocation {
  WrittenAt() = default;
  WrittenAt(const SourceLocation& where) : SourceLocation(where) {}  // NOLINT: implicit by design
  friend bool operator==(const WrittenAt&, const WrittenAt&) { return true; }
};

}  // namespace xdplb::config
