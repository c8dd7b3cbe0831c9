// Turns the keyword tree into the typed model. Values are range-checked here (where the token is at
// hand); rules that relate several items live in validate.h.
#pragma once

#include <memory>
#include <vector>

#include "config/diagnostics.h"
#include "config/model.h"
#include "config/syntax_tree.h"

namespace xdplb::config {

// Builds the model one top-level block at a time, so that the tree of a large file need not be kept
// whole (load.cpp hands each top-level statement over as soon as it is complete).
class ModelBuilder {
 public:
  explicit ModelBuilder(Diagnostics& diagnostics);
  ~ModelBuilder();
  ModelBuilder(const ModelBuilder&) = delete;
  ModelBuilder& operator=(const ModelBuilder&) = delete;

  void add(const SyntaxNode& top_level_statement);
  // Numbers the rules written without a priority, as keepalived does, then hands the model over.
  Config finish();

 private:
  Diagnostics& diagnostics_;
  Config config_;
  std::unique_ptr<class BlockReader> reader_;
};

Config build_model(const std::vector<SyntaxNode>& top_level, Diagnostics& diagnostics);

}  // namespace xdplb::config
