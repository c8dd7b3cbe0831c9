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
      .on_either("track_file",
                 [&](const SyntaxNode& node) { append(config.track_files, detail::parse_track_file(node, diagnostics)); })
      .on_either("vrrp_track_file",
                 [&](const SyntaxNode& node) { append(config.track_files, detail::parse_track_file(node, diagnostics)); })
      .not_applicable({"bfd_instance"}, "xdplb has no BFD: BFD_CHECK and track_bfd are ignored too")
      .not_applicable({"static_ipaddress", "static_routes", "static_rules", "vrrp_track_process", "garp_group",
                       "linkbeat_interfaces", "vrrp_garp_group"},
                      "keepalived option xdplb does not implement");
  reader.read(top_level);
  return config;
}

}  // namespace xdplb::config
