#include "config/parser.h"

#include "config/block_reader.h"
#include "config/parse_blocks.h"

namespace xdplb::config {

ModelBuilder::ModelBuilder(Diagnostics& diagnostics)
    : diagnostics_(diagnostics), reader_(std::make_unique<BlockReader>("the top level", diagnostics)) {
  Config& config = config_;
  // The handlers outlive this constructor: they capture what they use by value or the builder's own.
  const auto append = [](auto& items, auto&& parsed) {
    if (parsed) items.push_back(std::move(*parsed));
  };
  BlockReader& reader = *reader_;
  reader
      .on_block("global_defs",
                [&config, &diagnostics](const SyntaxNode& node) {
                  detail::parse_global_defs(node, config.global, diagnostics);
                })
      .on_either("vrrp_instance",
                 [&config, &diagnostics, append](const SyntaxNode& node) {
                   append(config.vrrp_instances, detail::parse_vrrp_instance(node, diagnostics));
                 })
      .on_either("vrrp_script",
                 [&config, &diagnostics, append](const SyntaxNode& node) {
                   append(config.vrrp_scripts, detail::parse_vrrp_script(node, diagnostics));
                 })
      .on_either("vrrp_sync_group",
                 [&config, &diagnostics, append](const SyntaxNode& node) {
                   append(config.sync_groups, detail::parse_vrrp_sync_group(node, diagnostics));
                 })
      .on_either("virtual_server",
                 [&config, &diagnostics, append](const SyntaxNode& node) {
                   append(config.virtual_servers, detail::parse_virtual_server(node, diagnostics));
                 })
      .on_either("virtual_server_group",
                 [&config, &diagnostics, append](const SyntaxNode& node) {
                   append(config.virtual_server_groups,
                          detail::parse_virtual_server_group(node, diagnostics));
                 })
      .on_block("static_ipaddress",
                [&config, &diagnostics](const SyntaxNode& node) {
                  for (auto& a : detail::parse_static_ipaddresses(node, diagnostics))
                    config.static_ipaddresses.push_back(std::move(a));
                })
      .on_block("static_routes",
                [&config, &diagnostics](const SyntaxNode& node) {
                  for (auto& r : detail::parse_routes(node, "static_routes", diagnostics))
                    config.static_routes.push_back(std::move(r));
                })
      .on_block("static_rules",
                [&config, &diagnostics](const SyntaxNode& node) {
                  for (auto& r : detail::parse_rules(node, "static_rules", diagnostics))
                    config.static_rules.push_back(std::move(r));
                })
      .on_either("track_file",
                 [&config, &diagnostics, append](const SyntaxNode& node) {
                   append(config.track_files, detail::parse_track_file(node, diagnostics));
                 })
      .on_either("vrrp_track_file",
                 [&config, &diagnostics, append](const SyntaxNode& node) {
                   append(config.track_files, detail::parse_track_file(node, diagnostics));
                 })
      .not_applicable({"bfd_instance"}, "xdplb has no BFD: BFD_CHECK and track_bfd are ignored too")
      .not_applicable({"vrrp_track_process", "garp_group", "linkbeat_interfaces", "vrrp_garp_group", "track_group"},
                      "keepalived option xdplb does not implement")
      .not_applicable({"SSL"}, "SSL_GET presents no client certificate and checks no server certificate")
      .not_applicable({"net_namespace", "net_namespace_ipvs", "namespace_with_ipsets"},
                      "xdplbd runs in the network namespace it is started in: start it there (ip netns exec, or "
                      "the unit's NetworkNamespacePath=)");
}

ModelBuilder::~ModelBuilder() = default;

void ModelBuilder::add(const SyntaxNode& top_level_statement) {
  reader_->read(std::span(&top_level_statement, 1));
}

Config ModelBuilder::finish() {
  detail::assign_rule_preferences(config_, diagnostics_);
  detail::apply_sync_group_tracking(config_, diagnostics_);
  return std::move(config_);
}

Config build_model(const std::vector<SyntaxNode>& top_level, Diagnostics& diagnostics) {
  ModelBuilder builder(diagnostics);
  for (const auto& statement : top_level) builder.add(statement);
  return builder.finish();}

}  // namespace xdplb::config
