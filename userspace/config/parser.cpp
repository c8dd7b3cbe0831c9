#include "config/parser.h"

#include "config/block_reader.h"
#include "config/parse_blocks.h"

namespace xdplb::config {

Config build_model(const std::vector<SyntaxNode>& top_level, Diagnostics& diagnostics) {
  Config config;
  const auto append = [](auto& items, auto&& parsed) {
    if (parsed) items.push_back(std::move(*parsed));
  };
  BlockReader reader("the top level", diagnostics);
  reader
      .on_block("global_defs",
                [&](const SyntaxNode& node) { detail::parse_global_defs(node, config.global, diagnostics); })
      .on_either("vrrp_instance",
                 [&](const SyntaxNode& node) {
                   append(config.vrrp_instances, detail::parse_vrrp_instance(node, diagnostics));
                 })
      .on_either("vrrp_script",
                 [&](const SyntaxNode& node) {
                   append(config.vrrp_scripts, detail::parse_vrrp_script(node, diagnostics));
                 })
      .on_either("vrrp_sync_group",
                 [&](const SyntaxNode& node) {
                   append(config.sync_groups, detail::parse_vrrp_sync_group(node, diagnostics));
                 })
      .on_either("virtual_server",
                 [&](const SyntaxNode& node) {
                   append(config.virtual_servers, detail::parse_virtual_server(node, diagnostics));
                 })
      .on_either("virtual_server_group",
                 [&](const SyntaxNode& node) {
                   append(config.virtual_server_groups,
                          detail::parse_virtual_server_group(node, diagnostics));
                 })
      .on_block("static_ipaddress",
                [&](const SyntaxNode& node) {
                  for (auto& a : detail::parse_static_ipaddresses(node, diagnostics))
                    config.static_ipaddresses.push_back(std::move(a));
                })
      .on_block("static_routes",
                [&](const SyntaxNode& node) {
                  for (auto& r : detail::parse_routes(node, "static_routes", diagnostics))
                    config.static_routes.push_back(std::move(r));
                })
      .on_block("static_rules",
                [&](const SyntaxNode& node) {
                  for (auto& r : detail::parse_rules(node, "static_rules", diagnostics))
                    config.static_rules.push_back(std::move(r));
                })
      .not_applicable(
          {"vrrp_track_process", "vrrp_track_file",
           "track_file", "bfd_instance", "garp_group", "linkbeat_interfaces", "vrrp_garp_group"},
          "keepalived option xdplb does not implement");
  reader.read(top_level);
  detail::assign_rule_preferences(config, diagnostics);
  return config;
}

}  // namespace xdplb::config
