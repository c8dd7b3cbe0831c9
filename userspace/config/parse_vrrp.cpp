// vrrp_instance, vrrp_script and vrrp_sync_group blocks.
#include <algorithm>
#include <array>

#include "config/block_reader.h"
#include "config/multicast_group.h"
#include "config/parse_blocks.h"
#include "config/values.h"

namespace xdplb::config::detail {

namespace {

// keepalived 2.2.7 refuses +/-254 for a vrrp_script's weight and a tracked object's.
constexpr std::int64_t max_tracking_weight = 253;

// The item of a "KIND NAME { ... }" block with its name and location, or nullopt once a missing
// name or block is reported.
template <typename Item>
std::optional<Item> named_item(const SyntaxNode& node, std::string_view kind, Diagnostics& diagnostics) {
  if (node.arguments.empty()) {
    diagnostics.error(node.location(), std::string(kind) + " needs a name");
    return std::nullopt;
  }
  if (!node.has_block) {
    diagnostics.error(node.location(),
                      std::string(kind) + " " + node.arguments[0].text + " needs a { } block");
    return std::nullopt;
  }
  Item item;
  item.name = node.arguments[0].text;
  item.location = node.location();
  return item;
}

// keepalived's single-word virtual address options (ip-address(8) flags) xdplb does not apply.
bool is_unimplemented_vip_flag(std::string_view option) {
  static constexpr std::array flags{"nodad", "-nodad",     "noprefixroute", "autojoin",
                                    "home",  "mngtmpaddr", "no_track"};
  return std::find(flags.begin(), flags.end(), option) != flags.end();
}

bool is_vip_option_with_value(std::string_view option) {
  static constexpr std::array options{"dev", "label", "scope", "brd", "broadcast", "peer", "preferred_lft",
                                      "track_group"};
  return std::find(options.begin(), options.end(), option) != options.end();
}

// "ADDRESS[/PREFIX] [brd ADDRESS] [dev IFNAME] [scope SCOPE] [label LABEL]", one per line.
std::vector<VirtualIp> read_virtual_ip_lines(const SyntaxNode& block, Diagnostics& diagnostics) {
  std::vector<VirtualIp> result;
  for (const auto& line : block.children) {
    if (line.has_block) {
      diagnostics.error(line.location(), "a virtual address takes no { } block");
      continue;
    }
    auto address = read_address(line.keyword, true, "virtual address", diagnostics);
    if (!address) continue;
    VirtualIp vip{*address, std::nullopt, {}, {}, {}, line.location()};
    bool valid = true;
    for (std::size_t i = 0; i < line.arguments.size(); i += 2) {
      const Token& option = line.arguments[i];
      if (is_unimplemented_vip_flag(option.text)) {
        diagnostics.warning(option.location, "virtual address option '" + option.text +
                                                 "' is not implemented by xdplb; ignored");
        --i;  // a flag takes no value
        continue;
      }
      if (!is_vip_option_with_value(option.text)) {
        // keepalived 2.2.7: "Unknown configuration entry ... for ip address - ignoring", the word alone.
        diagnostics.unknown(option.location, "unknown virtual address option '" + option.text + "'; ignored");
        --i;
        continue;
      }
      if (i + 1 >= line.arguments.size()) {
        diagnostics.error(option.location, "'" + option.text + "' needs a value");
        valid = false;
        break;
      }
      const Token& value = line.arguments[i + 1];
      if (option.text == "dev") {
        vip.device = value.text;
      } else if (option.text == "label") {
        vip.label = value.text;
      } else if (option.text == "scope") {
        vip.scope = value.text;
      } else if (option.text == "brd" || option.text == "broadcast") {
        vip.broadcast = read_address(value, false, "broadcast address", diagnostics);
        valid = valid && vip.broadcast.has_value();
      } else {  // peer, preferred_lft, track_group
        diagnostics.warning(option.location, "virtual address option '" + option.text +
                                                 "' is not implemented by xdplb; ignored");
      }
    }
    if (valid) result.push_back(std::move(vip));
  }
  return result;
}

// One "NAME [weight N [reverse]]" line of a track_interface or track_script block.
struct TrackedLine {
  std::optional<int> weight;
  std::optional<bool> reverse;  // unset: not written
};

// keepalived 2.2.7 takes "reverse" after a track_interface weight, and "reverse" or "noreverse"
// after a track_script weight; the weight is -253..253 (it refuses +/-254).
std::optional<TrackedLine> parse_tracked_line(const SyntaxNode& line, bool takes_noreverse,
                                              Diagnostics& diagnostics) {
  TrackedLine tracked;
  const auto& words = line.arguments;
  if (words.empty()) return tracked;
  if (words[0].text != "weight") {
    diagnostics.error(words[0].location, "expected 'weight N' after '" + line.keyword.text + "'");
    return std::nullopt;
  }
  if (words.size() < 2) {
    diagnostics.error(words[0].location, "'weight' after '" + line.keyword.text + "' needs a number");
    return std::nullopt;
  }
  const auto weight =
      read_integer(words[1], -max_tracking_weight, max_tracking_weight, "tracking weight", diagnostics);
  if (!weight) return std::nullopt;
  tracked.weight = static_cast<int>(*weight);
  if (words.size() > 2) {
    const Token& option = words[2];
    if (option.text == "reverse") {
      tracked.reverse = true;
    } else if (takes_noreverse && option.text == "noreverse") {
      tracked.reverse = false;
    } else {
      diagnostics.error(option.location, std::string("expected ") +
                                             (takes_noreverse ? "'reverse' or 'noreverse'" : "'reverse'") +
                                             " after the weight of '" + line.keyword.text + "', not '" +
                                             option.text + "'");
      return std::nullopt;
    }
  }
  if (words.size() > 3)
    diagnostics.warning(words[3].location,
                        "'" + join_arguments(line, 3) + "' after '" + line.keyword.text + "' is ignored");
  return tracked;
}

std::vector<TrackedInterface> parse_track_interfaces(const SyntaxNode& block, Diagnostics& diagnostics) {
  std::vector<TrackedInterface> result;
  for (const auto& line : block.children) {
    const auto parsed = parse_tracked_line(line, false, diagnostics);
    if (!parsed) continue;
    result.push_back(
        TrackedInterface{line.keyword.text, parsed->weight, parsed->reverse.value_or(false), line.location()});
  }
  return result;
}

// The scripts and mails that hear about state changes (an instance's or a sync group's).
void add_notify_keywords(BlockReader& reader, NotifyScripts& notify, std::optional<bool>& smtp_alert,
                         Diagnostics& diagnostics) {
  reader.on("smtp_alert", BlockReader::boolean(smtp_alert, diagnostics))
      .on("notify_master", BlockReader::script_with_user(notify.master, diagnostics))
      .on("notify_backup", BlockReader::script_with_user(notify.backup, diagnostics))
      .on("notify_fault", BlockReader::script_with_user(notify.fault, diagnostics))
      .on("notify_stop", BlockReader::script_with_user(notify.stop, diagnostics))
      .on("notify", BlockReader::script_with_user(notify.any, diagnostics));
}

constexpr Choices<VrrpState, 2> vrrp_states{
    .rule = {.subject = "state", .letter_case = LetterCase::any},
    .spellings = {{{"MASTER", VrrpState::master}, {"BACKUP", VrrpState::backup}}}};
constexpr Choices<AuthType, 2> auth_types{.rule = {.subject = "auth_type", .letter_case = LetterCase::any},
                                          .spellings = {{{"PASS", AuthType::pass}, {"AH", AuthType::ah}}}};

// keepalived's vrrp_instance keywords that xdplb accepts and ignores.
constexpr std::string_view unimplemented_instance_keywords[] = {"track_process",
                                                                "skip_check_adv_addr",
                                                                "check_unicast_src",
                                                                "unicast_ttl",
                                                                "old_unicast_checksum",
                                                                "garp_master_refresh_repeat",
                                                                "garp_lower_prio_delay",
                                                                "garp_lower_prio_repeat",
                                                                "lower_prio_no_advert",
                                                                "higher_prio_send_advert",
                                                                "kernel_rx_buf_size",
                                                                "debug",
                                                                "promote_secondaries",
                                                                "linkbeat_use_polling",
                                                                "notify_master_rx_lower_pri",
                                                                "notify_deleted",
                                                                "unicast_fault_no_peer",
                                                                "down_timer_adverts",
                                                                "garp_extra_if",
                                                                "track_src_ip",
                                                                "use_ipvlan",
                                                                "use_vmac_addr"};

void read_auth_pass(const SyntaxNode& statement, Authentication& authentication, Diagnostics& diagnostics) {
  const auto* password = require_argument(statement, 0, "a password", diagnostics);
  if (!password) return;
  authentication.password = password->text;
  if (password->text.size() > 8) {
    // keepalived truncates too: only 8 bytes fit in the advertisement.
    diagnostics.keepalived_warning(password->location,
                        "auth_pass is longer than 8 characters; only the first 8 are used");
    authentication.password.resize(8);
  }
}

// The block's keywords count as the instance's own (its `keywords` map).
void read_authentication(const SyntaxNode& block, VrrpInstance& instance, Diagnostics& diagnostics) {
  BlockReader reader("authentication", diagnostics, &instance.keywords);
  reader.on("auth_type", BlockReader::choice(instance.authentication.type, auth_types, diagnostics))
      .on("auth_pass", read_auth_pass, instance.authentication);
  reader.read(block.children);
}

// state, the router's identity and how it advertises.
void add_router_keywords(BlockReader& reader, VrrpInstance& instance, Diagnostics& diagnostics) {
  reader.on("state", BlockReader::choice(instance.state, vrrp_states, diagnostics))
      .on("interface", BlockReader::word(instance.interface, "an interface name", diagnostics))
      .on("virtual_router_id", BlockReader::integer(instance.virtual_router_id, 1, 255, diagnostics))
      .on("priority", BlockReader::integer(instance.priority, 1, 255, diagnostics))
      .on("advert_int", BlockReader::seconds(instance.advert_int, std::chrono::milliseconds(10),
                                             std::chrono::seconds(255), diagnostics))
      .on("version", BlockReader::integer(instance.version, 2, 3, diagnostics))
      .on_block("authentication", read_authentication, instance);
}

template <typename Item>
void append(std::vector<Item>& to, std::vector<Item> more) {
  to.insert(to.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

void read_virtual_ipaddress(const SyntaxNode& block, VrrpInstance& instance, Diagnostics& diagnostics) {
  append(instance.virtual_ipaddresses, read_virtual_ip_lines(block, diagnostics));
}

void read_virtual_ipaddress_excluded(const SyntaxNode& block, VrrpInstance& instance,
                                     Diagnostics& diagnostics) {
  append(instance.virtual_ipaddresses_excluded, read_virtual_ip_lines(block, diagnostics));
}

void read_virtual_routes(const SyntaxNode& block, VrrpInstance& instance, Diagnostics& diagnostics) {
  append(instance.virtual_routes, parse_routes(block, "virtual_routes", diagnostics));
}

void read_virtual_rules(const SyntaxNode& block, VrrpInstance& instance, Diagnostics& diagnostics) {
  append(instance.virtual_rules, parse_rules(block, "virtual_rules", diagnostics));
}

// keepalived keeps one source address for multicast and unicast alike: both keywords set it, and
// each error names the keyword written.
void read_source_address(const SyntaxNode& statement, VrrpInstance& instance, Diagnostics& diagnostics) {
  if (const auto* token = require_argument(statement, 0, "an address", diagnostics))
    instance.unicast_src_ip = read_address(*token, false, statement.keyword.text, diagnostics);
}

// "mcast_dst_ip GROUP": its family is checked against the instance's once the block is read
// (validate.cpp).
void read_mcast_dst_ip(const SyntaxNode& statement, VrrpInstance& instance, Diagnostics& diagnostics) {
  if (const auto* token = require_argument(statement, 0, "a multicast address", diagnostics))
    if (const auto group = read_multicast_group(*token, std::nullopt, "mcast_dst_ip", diagnostics))
      instance.mcast_dst_ip = *group;
}

void read_unicast_peers(const SyntaxNode& block, VrrpInstance& instance, Diagnostics& diagnostics) {
  for (const auto& line : block.children) {
    if (const auto peer = read_address(line.keyword, false, "unicast_peer", diagnostics))
      instance.unicast_peers.push_back(*peer);
    if (!line.arguments.empty())
      diagnostics.warning(line.arguments[0].location,
                          "unicast_peer options are not implemented by xdplb; ignored");
  }
}

// The addresses the instance owns and the peers it talks to.
void add_address_keywords(BlockReader& reader, VrrpInstance& instance) {
  reader.on_block("virtual_ipaddress", read_virtual_ipaddress, instance)
      .on_block("virtual_ipaddress_excluded", read_virtual_ipaddress_excluded, instance)
      .on_block("virtual_routes", read_virtual_routes, instance)
      .on_block("virtual_rules", read_virtual_rules, instance)
      .on("unicast_src_ip", read_source_address, instance)
      .on("mcast_src_ip", read_source_address, instance)
      .on("mcast_dst_ip", read_mcast_dst_ip, instance)
      .on_block("unicast_peer", read_unicast_peers, instance);
}

// Whether and when this router takes over from a lower-priority master, and whether as master it
// accepts packets sent to its addresses.
void add_preemption_keywords(BlockReader& reader, VrrpInstance& instance, Diagnostics& diagnostics) {
  reader.on("nopreempt", BlockReader::flag(instance.nopreempt, diagnostics))
      .on("preempt", BlockReader::flag(instance.nopreempt, diagnostics, false))
      .on("preempt_delay",
          BlockReader::seconds(instance.preempt_delay, Duration{0}, std::chrono::seconds(1000), diagnostics))
      .on("accept", BlockReader::flag(instance.accept, diagnostics))
      .on("no_accept", BlockReader::flag(instance.accept, diagnostics, false))
      .on("strict_mode", BlockReader::boolean(instance.strict_mode, diagnostics));
}

// "use_vmac [NAME]"
void read_use_vmac(const SyntaxNode& statement, VrrpInstance& instance, Diagnostics&) {
  instance.use_vmac = true;
  if (!statement.arguments.empty()) instance.vmac_name = statement.arguments[0].text;
}

// How a new master makes itself known: vmac, gratuitous ARP / unsolicited NA, IPv6 adverts.
void add_announcement_keywords(BlockReader& reader, VrrpInstance& instance, Diagnostics& diagnostics) {
  reader.on("use_vmac", read_use_vmac, instance)
      .on("vmac_xmit_base", BlockReader::flag(instance.vmac_xmit_base, diagnostics))
      .on("garp_master_delay", BlockReader::optional_seconds(instance.garp_master_delay, Duration{0},
                                                             std::chrono::seconds(255), diagnostics))
      .on("garp_master_repeat", BlockReader::integer(instance.garp_master_repeat, 0, 255, diagnostics))
      .on("garp_master_refresh",
          BlockReader::seconds(instance.garp_master_refresh, Duration{0}, max_timer, diagnostics))
      .on("native_ipv6", BlockReader::flag(instance.native_ipv6, diagnostics));
}

void read_track_interfaces(const SyntaxNode& block, VrrpInstance& instance, Diagnostics& diagnostics) {
  append(instance.track_interfaces, parse_track_interfaces(block, diagnostics));
}

void read_track_scripts(const SyntaxNode& block, VrrpInstance& instance, Diagnostics& diagnostics) {
  append(instance.track_scripts, parse_track_scripts(block, diagnostics));
}

void read_track_files(const SyntaxNode& block, VrrpInstance& instance, Diagnostics& diagnostics) {
  append(instance.track_files, parse_tracked_files(block, diagnostics));
}

constexpr std::string_view bfd_reason = "xdplb has no BFD: priority and state do not follow any BFD session";

void add_tracking_keywords(BlockReader& reader, VrrpInstance& instance, Diagnostics& diagnostics) {
  reader.on_block("track_interface", read_track_interfaces, instance)
      .on_block("track_script", read_track_scripts, instance)
      .on_block("track_file", read_track_files, instance)
      .not_applicable({"track_bfd"}, bfd_reason)
      .on("dont_track_primary", BlockReader::flag(instance.dont_track_primary, diagnostics));
}

}  // namespace

std::vector<VirtualIp> parse_virtual_ips(const SyntaxNode& block, Diagnostics& diagnostics) {
  return read_virtual_ip_lines(block, diagnostics);
}

std::vector<TrackedScript> parse_track_scripts(const SyntaxNode& node, Diagnostics& diagnostics) {
  std::vector<TrackedScript> result;
  for (const auto& line : node.children) {
    const auto parsed = parse_tracked_line(line, true, diagnostics);
    if (!parsed) continue;
    result.push_back(TrackedScript{line.keyword.text, parsed->weight, parsed->reverse, line.location()});
  }
  return result;
}

std::optional<VrrpInstance> parse_vrrp_instance(const SyntaxNode& node, Diagnostics& diagnostics) {
  auto parsed = named_item<VrrpInstance>(node, "vrrp_instance", diagnostics);
  if (!parsed) return std::nullopt;
  VrrpInstance& instance = *parsed;
  BlockReader reader("vrrp_instance " + instance.name, diagnostics, &instance.keywords);
  add_router_keywords(reader, instance, diagnostics);
  add_address_keywords(reader, instance);
  add_preemption_keywords(reader, instance, diagnostics);
  add_announcement_keywords(reader, instance, diagnostics);
  add_tracking_keywords(reader, instance, diagnostics);
  add_notify_keywords(reader, instance.notify, instance.smtp_alert, diagnostics);
  reader.not_applicable({"lvs_sync_daemon_interface"}, "IPVS only: xdplb has no IPVS")
      .not_applicable(unimplemented_instance_keywords, "keepalived option xdplb does not implement");
  reader.read(node.children);
  // A keyword present with a bad value has been reported already.
  if (!instance.keywords.contains("virtual_router_id"))
    diagnostics.error(node.location(), "vrrp_instance " + instance.name + " has no virtual_router_id");
  if (!instance.keywords.contains("interface"))
    diagnostics.error(node.location(), "vrrp_instance " + instance.name + " has no interface");
  return parsed;
}

std::optional<VrrpScript> parse_vrrp_script(const SyntaxNode& node, Diagnostics& diagnostics) {
  auto parsed = named_item<VrrpScript>(node, "vrrp_script", diagnostics);
  if (!parsed) return std::nullopt;
  VrrpScript& script = *parsed;
  BlockReader reader("vrrp_script " + script.name, diagnostics, &script.keywords);
  reader.on("script", BlockReader::command(script.script, "a command", diagnostics))
      .on("interval",
          BlockReader::seconds(script.interval, std::chrono::milliseconds(1), max_timer, diagnostics))
      .on("timeout",
          BlockReader::optional_seconds(script.timeout, std::chrono::milliseconds(1), max_timer, diagnostics))
      .on("weight",
          [&](const SyntaxNode& statement) {
            const auto weight =
                read_single_integer(statement, -max_tracking_weight, max_tracking_weight, diagnostics);
            if (!weight) return;
            script.weight = static_cast<int>(*weight);
            if (statement.arguments.size() > 1) {
              if (statement.arguments[1].text == "reverse") {
                script.weight_reverse = true;
              } else {
                diagnostics.error(
                    statement.arguments[1].location,
                    "expected 'reverse' after the weight, not '" + statement.arguments[1].text + "'");
              }
            }
          })
      .on("rise", BlockReader::integer(script.rise, 1, 1000000, diagnostics))
      .on("fall", BlockReader::integer(script.fall, 1, 1000000, diagnostics))
      .on("user", BlockReader::user_and_group(script.user, script.group, diagnostics))
      .not_applicable({"init_fail"}, "keepalived option xdplb does not implement");
  reader.read(node.children);
  if (script.script.empty())
    diagnostics.error(node.location(), "vrrp_script " + script.name + " has no script");
  return parsed;
}

std::optional<VrrpSyncGroup> parse_vrrp_sync_group(const SyntaxNode& node, Diagnostics& diagnostics) {
  auto parsed = named_item<VrrpSyncGroup>(node, "vrrp_sync_group", diagnostics);
  if (!parsed) return std::nullopt;
  VrrpSyncGroup& group = *parsed;
  BlockReader reader("vrrp_sync_group " + group.name, diagnostics, &group.keywords);
  reader
      .on_block("group",
                [&](const SyntaxNode& block) {
                  for (const auto& line : block.children) {
                    group.members.push_back(NamedReference{line.keyword.text, line.location()});
                    for (const auto& more : line.arguments)
                      group.members.push_back(NamedReference{more.text, more.location});
                  }
                })
      .on_block("track_script",
                [&](const SyntaxNode& block) {
                  append(group.track_scripts, parse_track_scripts(block, diagnostics));
                })
      .on_block("track_file",
                [&](const SyntaxNode& block) { append(group.track_files, parse_tracked_files(block, diagnostics)); })
      .not_applicable({"track_bfd"}, bfd_reason)
      .on("sync_group_tracking_weight", BlockReader::flag(group.tracking_weight, diagnostics))
      .not_applicable({"global_tracking", "track_interface", "track_process", "notify_priority_changes"},
                      "keepalived option xdplb does not implement");
  add_notify_keywords(reader, group.notify, group.smtp_alert, diagnostics);
  reader.read(node.children);
  if (group.members.empty()) {
    // keepalived 1.x's form `vrrp_sync_group VG { VI_1 VI_2 }`: keepalived 2.2.7 reads each name as an
    // unknown keyword and removes the group.
    std::string bare_names;
    for (const auto& line : node.children) {
      if (line.has_block || !line.arguments.empty()) continue;
      if (!group.keywords.contains(line.keyword.text))
        bare_names += (bare_names.empty() ? "" : " ") + line.keyword.text;
    }
    diagnostics.error(node.location(),
                      "vrrp_sync_group " + group.name + " has no group" +
                          (bare_names.empty() ? std::string()
                                              : "; instance names directly in the block (the old syntax) are not "
                                                "read by keepalived 2.2.7: write `group { " +
                                                    bare_names + " }`"));
  }
  return parsed;
}

}  // namespace xdplb::config::detail
