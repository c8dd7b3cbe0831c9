// virtual_server, real_server and virtual_server_group blocks.
#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

#include "config/block_reader.h"
#include "config/parse_blocks.h"
#include "config/values.h"
#include <xdplb/abi.h>

namespace xdplb::config::detail {

namespace {

// keepalived's default when persistence_timeout is given without a value.
constexpr auto default_persistence = std::chrono::seconds(360);
constexpr std::uint32_t min_ring_size = 251;
constexpr std::uint32_t max_ring_size = 16777213;

bool is_prime(std::uint32_t n) {
  if (n < 2) return false;
  for (std::uint32_t d = 2; d * d <= n; ++d)
    if (n % d == 0) return false;
  return true;
}

constexpr Choices<LbAlgo, 11> lb_algos{
    .rule = {.subject = "lb_algo", .listing = WordList::one_of, .missing = "a scheduler"},
    .spellings = {{{"rr", LbAlgo::rr},
                   {"wrr", LbAlgo::wrr},
                   {"lc", LbAlgo::lc},
                   {"wlc", LbAlgo::wlc},
                   {"lblc", LbAlgo::lblc},
                   {"lblcr", LbAlgo::lblcr},
                   {"sh", LbAlgo::sh},
                   {"dh", LbAlgo::dh},
                   {"sed", LbAlgo::sed},
                   {"nq", LbAlgo::nq},
                   {"mh", LbAlgo::mh}}}};
// lvs_method's errors speak of lb_kind, the keyword it stands for.
constexpr Choices<LbKind, 3> lb_kinds{
    .rule = {.subject = "lb_kind", .letter_case = LetterCase::any},
    .spellings = {{{"DR", LbKind::dr}, {"NAT", LbKind::nat}, {"TUN", LbKind::tun}}}};
constexpr Choices<Protocol, 3> protocols{
    .rule = {.subject = "protocol", .letter_case = LetterCase::any},
    .spellings = {{{"TCP", Protocol::tcp}, {"UDP", Protocol::udp}, {"SCTP", Protocol::sctp}}}};

// keepalived's virtual_server keywords that xdplb accepts and ignores.
constexpr std::string_view ipvs_only_keywords[] = {
    "ops",     "one_packet_ops", "laddr_group_name", "syn_proxy", "mh-port", "mh-fallback",
    "sh-port", "sh-fallback",    "flag-1",           "flag-2",    "flag-3",  "ip_family",
    "persistence_engine"};
constexpr std::string_view checker_mail_keywords[] = {"smtp_alert"};
constexpr std::string_view checker_mail_reason = "mail on a checker's transitions is not implemented by xdplb";

// lb_algo and its IPVS name lvs_sched.
void read_lb_algo(const SyntaxNode& statement, VirtualServer& server, Diagnostics& diagnostics) {
  const auto algo = BlockReader::choice(statement, lb_algos, diagnostics);
  if (!algo) return;
  server.lb_algo = *algo;
  if (effective_lb_algo(*algo) != *algo) {
    const Token& token = statement.arguments[0];
    diagnostics.warning(token.location, "lb_algo " + token.text +
                                            " needs per-connection state that xdplb's data plane does not "
                                            "keep; using mh (Maglev hashing) instead");
  }
}

std::optional<RealServer> parse_real_server(const SyntaxNode& node, std::uint16_t default_port,
                                            Diagnostics& diagnostics) {
  const auto* address_token = require_argument(node, 0, "an address", diagnostics);
  if (!address_token) return std::nullopt;
  const auto address = read_address(*address_token, false, "real_server address", diagnostics);
  if (!address) return std::nullopt;
  RealServer server;
  server.location = node.location();
  server.address = *address;
  server.port = default_port;
  if (node.arguments.size() > 1) {
    const auto port = read_service_port(node.arguments[1], "real_server port", diagnostics);
    if (!port) return std::nullopt;
    if (*port != 0) server.port = *port;
  }
  BlockReader reader("real_server " + address_token->text, diagnostics, &server.keywords);
  add_inherited_timing_keywords(reader, server, 1, diagnostics);
  reader.on("weight", BlockReader::integer(server.weight, 0, 65535, diagnostics))
      .on("inhibit_on_failure", BlockReader::boolean(server.inhibit_on_failure, diagnostics))
      .on("delay_loop", BlockReader::optional_seconds(server.delay_loop, std::chrono::milliseconds(1), max_timer,
                                                      diagnostics))
      .on("alpha", BlockReader::boolean(server.alpha, diagnostics))
      .on("notify_up", BlockReader::script_with_user(server.notify_up, diagnostics))
      .on("notify_down", BlockReader::script_with_user(server.notify_down, diagnostics))
      .not_applicable({"uthreshold", "lthreshold"}, "IPVS only: xdplb has no IPVS")
      .not_applicable(checker_mail_keywords, checker_mail_reason)
      .not_applicable({"virtualhost"}, "keepalived option xdplb does not implement; set it in the checker");
  for (const auto checker : checker_keywords()) {
    reader.on_block(checker, [&](const SyntaxNode& block) {
      if (auto parsed = parse_checker(block, diagnostics)) server.checkers.push_back(std::move(*parsed));
    });
  }
  reader.not_applicable(unimplemented_checker_keywords, unimplemented_checker_reason);
  if (node.has_block) reader.read(node.children);
  return server;
}

// "persistence_timeout [SECONDS]"
void read_persistence_timeout(const SyntaxNode& statement, VirtualServer& server, Diagnostics& diagnostics) {
  if (statement.arguments.empty()) {
    server.persistence_timeout = default_persistence;
    return;
  }
  if (const auto timeout = read_seconds(statement.arguments[0], std::chrono::seconds(1), max_timer,
                                        "persistence_timeout", diagnostics))
    server.persistence_timeout = *timeout;
}

void read_persistence_granularity(const SyntaxNode& statement, VirtualServer& server,
                                  Diagnostics& diagnostics) {
  if (const auto* mask = require_argument(statement, 0, "a netmask", diagnostics))
    server.persistence_granularity = read_address(*mask, false, "persistence_granularity", diagnostics);
}

void read_xdp_ring_size(const SyntaxNode& statement, VirtualServer& server, Diagnostics& diagnostics) {
  const auto size = read_single_integer(statement, min_ring_size, max_ring_size, diagnostics);
  if (!size) return;
  if (!is_prime(static_cast<std::uint32_t>(*size))) {
    diagnostics.error(statement.arguments[0].location,
                      "xdp_ring_size must be a prime number (Maglev needs it), e.g. 65537");
    return;
  }
  server.xdp_ring_size = static_cast<std::uint32_t>(*size);
}

// Which packets belong to the service and how its flows are spread over the real servers.
void add_scheduling_keywords(BlockReader& reader, VirtualServer& server, Diagnostics& diagnostics) {
  reader.on("lb_algo", read_lb_algo, server)
      .on("lvs_sched", read_lb_algo, server)
      .on("lb_kind", BlockReader::choice(server.lb_kind, lb_kinds, diagnostics))
      .on("lvs_method", BlockReader::choice(server.lb_kind, lb_kinds, diagnostics))
      .on("protocol", BlockReader::choice(server.protocol, protocols, diagnostics))
      .on("persistence_timeout", read_persistence_timeout, server)
      .on("persistence_granularity", read_persistence_granularity, server)
      .on("xdp_ring_size", read_xdp_ring_size, server);
}

// "sorry_server ADDRESS [PORT]": the port defaults to the virtual server's.
void read_sorry_server(const SyntaxNode& statement, VirtualServer& server, Diagnostics& diagnostics) {
  const auto* address = require_argument(statement, 0, "'ADDRESS PORT'", diagnostics);
  if (!address) return;
  const auto parsed = read_address(*address, false, "sorry_server address", diagnostics);
  if (!parsed) return;
  SorryServer sorry{*parsed, server.port, statement.location()};
  if (statement.arguments.size() > 1) {
    const auto port = read_port(statement.arguments[1], "sorry_server port", diagnostics);
    if (!port) return;
    sorry.port = *port;
  }
  server.sorry_server = sorry;
}

// When the checks run, and what is served when too few real servers pass them.
void add_health_keywords(BlockReader& reader, VirtualServer& server, Diagnostics& diagnostics) {
  reader
      .on("delay_loop",
          BlockReader::seconds(server.delay_loop, std::chrono::milliseconds(1), max_timer, diagnostics))
      .on("quorum", BlockReader::integer(server.quorum, 1, 0xFFFFFFFFLL, diagnostics))
      .on("hysteresis", BlockReader::integer(server.hysteresis, 0, 0xFFFFFFFFLL, diagnostics))
      .on("quorum_up", BlockReader::script_with_user(server.quorum_up, diagnostics))
      .on("quorum_down", BlockReader::script_with_user(server.quorum_down, diagnostics))
      .on_either("sorry_server", read_sorry_server, server)
      .on("sorry_server_inhibit", BlockReader::flag(server.sorry_server_inhibit, diagnostics))
      .on("alpha", BlockReader::flag(server.alpha, diagnostics))
      .on("omega", BlockReader::flag(server.omega, diagnostics))
      .on("ha_suspend", BlockReader::flag(server.ha_suspend, diagnostics))
      .on("inhibit_on_failure", BlockReader::flag(server.inhibit_on_failure, diagnostics));
}

void read_real_server(const SyntaxNode& block, VirtualServer& server, Diagnostics& diagnostics) {
  if (auto real = parse_real_server(block, server.port, diagnostics))
    server.real_servers.push_back(std::move(*real));
}


// A virtual_server_group address entry, as keepalived 2.2.7 writes ranges: "A", "A-N" (N replaces
// the last byte of an IPv4 address, or the last 16-bit group of an IPv6 one, in hex), "A-B" and
// "A/LEN" (the whole prefix). At most XDPLB_MAX_VIPS addresses: each becomes one VIP.
std::optional<std::pair<IpAddress, IpAddress>> read_address_range(const Token& token, Diagnostics& diagnostics) {
  const std::string& text = token.text;
  const auto fail = [&](const std::string& why) -> std::optional<std::pair<IpAddress, IpAddress>> {
    diagnostics.error(token.location, "virtual_server_group range '" + text + "': " + why);
    return std::nullopt;
  };
  const auto dash = text.find('-');
  Token first_token = token;
  if (dash != std::string::npos) first_token.text = text.substr(0, dash);
  auto first = read_address(first_token, dash == std::string::npos, "virtual_server_group address", diagnostics);
  if (!first) return std::nullopt;
  IpAddress last = *first;
  if (dash == std::string::npos && first->has_prefix) {
    last = last_of_prefix(*first);
    *first = network_of(*first);
  } else if (dash != std::string::npos) {
    const std::string end = text.substr(dash + 1);
    if (end.find_first_of(first->is_ipv4() ? "." : ":") != std::string::npos) {
      Token last_token = token;
      last_token.text = end;
      const auto parsed = read_address(last_token, false, "address range end", diagnostics);
      if (!parsed) return std::nullopt;
      if (parsed->family != first->family) return fail("both ends must be of one family");
      last = *parsed;
    } else {
      unsigned value = 0;
      const int base = first->is_ipv4() ? 10 : 16;
      const auto [ptr, ec] = std::from_chars(end.data(), end.data() + end.size(), value, base);
      const unsigned limit = first->is_ipv4() ? 255 : 0xffff;
      if (end.empty() || ec != std::errc{} || ptr != end.data() + end.size() || value > limit)
        return fail(first->is_ipv4() ? "the end after '-' must be a last byte 0-255 or an address"
                                      : "the end after '-' must be a last group 0-ffff (hex) or an address");
      if (first->is_ipv4()) {
        last.bytes[3] = static_cast<std::uint8_t>(value);
      } else {
        last.bytes[14] = static_cast<std::uint8_t>(value >> 8);
        last.bytes[15] = static_cast<std::uint8_t>(value & 0xff);
      }
    }
    first->has_prefix = last.has_prefix = false;
    first->prefix_length = last.prefix_length = first->max_prefix_length();
  }
  if (last.bytes < first->bytes) return fail("the range ends before it starts");
  const auto count = addresses_between(*first, last, XDPLB_MAX_VIPS);
  if (!count)
    return fail("more than " + std::to_string(XDPLB_MAX_VIPS) + " addresses, the size of xdplb's VIP table");
  return std::make_pair(*first, last);
}

}  // namespace

std::optional<VirtualServer> parse_virtual_server(const SyntaxNode& node, Diagnostics& diagnostics) {
  VirtualServer server;
  server.location = node.location();
  // Room for every real server at once: a thousand virtual servers' vectors grown 1, 2, 4, 8, 16
  // would hold half as much again as they need, and copy each real server four times.
  server.real_servers.reserve(static_cast<std::size_t>(std::count_if(
      node.children.begin(), node.children.end(), [](const SyntaxNode& child) { return child.keyword.text == "real_server"; })));
  const bool address_only = node.arguments.size() == 1 && node.arguments[0].text != "fwmark" &&
                            node.arguments[0].text != "group";
  if (node.arguments.size() < 2 && !address_only) {
    diagnostics.error(node.location(), "virtual_server needs 'ADDRESS [PORT]', 'fwmark N' or 'group NAME'");
    return std::nullopt;
  }
  const Token& first = node.arguments[0];
  const Token& second = address_only ? first : node.arguments[1];
  // A bad service address still has its block read, so that its mistakes are reported too.
  bool service_valid = true;
  if (first.text == "fwmark") {
    const auto mark = read_integer(second, 1, 0xFFFFFFFFLL, "fwmark", diagnostics);
    service_valid = mark.has_value();
    server.kind = VirtualServerKind::fwmark;
    server.fwmark = static_cast<std::uint32_t>(mark.value_or(0));
  } else if (first.text == "group") {
    server.kind = VirtualServerKind::group;
    server.group = second.text;
  } else {
    const auto address = read_address(first, false, "virtual_server address", diagnostics);
    // keepalived: no port is port 0, the service of every port.
    const auto port = address_only ? std::optional<std::uint16_t>(0) : read_service_port(second, "virtual_server port", diagnostics);
    service_valid = address && port;
    if (address) server.address = *address;
    if (port) server.port = *port;
  }
  if (!node.has_block) {
    diagnostics.error(node.location(), "virtual_server needs a { } block");
    return std::nullopt;
  }
  BlockReader reader("virtual_server", diagnostics, &server.keywords);
  add_inherited_timing_keywords(reader, server, 1, diagnostics);
  add_scheduling_keywords(reader, server, diagnostics);
  add_health_keywords(reader, server, diagnostics);
  reader.on("virtualhost", BlockReader::word(server.virtualhost, "a host name", diagnostics))
      .on_either("real_server", read_real_server, server)
      .not_applicable(ipvs_only_keywords, "IPVS only: xdplb has no IPVS")
      .not_applicable({"snmp_name"}, "xdplb has no SNMP")
      .not_applicable({"sorry_server_lvs_method"},
                      "the sorry server is forwarded like the real servers, by the virtual server's lb_kind")
      .not_applicable(checker_mail_keywords, checker_mail_reason);
  reader.read(node.children);
  // keepalived 2.2.7 says "no protocol set - defaulting to UDP" and makes a UDP service; a fwmark
  // service matches every protocol the mark is set on.
  if (!server.keywords.contains("protocol") && server.kind != VirtualServerKind::fwmark)
    diagnostics.keepalived_warning(node.location(), "virtual_server has no protocol: UDP, as keepalived 2.2.7 defaults to; "
                                         "write `protocol TCP` for a TCP service");
  if (!server.keywords.contains("lb_algo") && !server.keywords.contains("lvs_sched"))
    diagnostics.keepalived_warning(node.location(), "virtual_server has no lb_algo: wlc, as keepalived 2.2.7 sets (and "
                                                    "reports); xdplb serves wlc with Maglev hashing (mh)");
  if (server.kind == VirtualServerKind::fwmark && server.keywords.contains("protocol"))
    diagnostics.keepalived_warning(server.keywords.at_or("protocol", node.location()),
                                   "a fwmark virtual_server matches the mark whatever the protocol: 'protocol' is "
                                   "ignored, as keepalived 2.2.7 ignores it (and reports)");
  // keepalived clears (and reports) the port of a fwmark service's real server unless it is NAT;
  // its checkers keep the port written, and so do xdplb's (the service itself is not served).
  if (server.kind == VirtualServerKind::fwmark && server.lb_kind != LbKind::nat)
    for (const auto& real : server.real_servers)
      if (real.port != 0)
        diagnostics.keepalived_warning(real.location, "the port of a real_server of a fwmark virtual_server is not "
                                                      "used but by its checkers (keepalived 2.2.7 clears it, and "
                                                      "reports)");
  if (!server.keywords.contains("lb_kind") && !server.keywords.contains("lvs_method"))
    diagnostics.keepalived_warning(node.location(), "virtual_server has no lb_kind: NAT, as keepalived 2.2.7 sets (and "
                                                    "reports)");
  // IPVS serves every port only with persistence, and keepalived 2.2.7 turns it on ("zero port only
  // valid for persistent services - setting").
  if (server.kind == VirtualServerKind::address && server.port == 0 && !server.persistence_timeout) {
    server.persistence_timeout = default_persistence;
    diagnostics.keepalived_warning(node.location(), "virtual_server of every port (port 0) without persistence_timeout: "
                                         "persistence_timeout 360 is set, as keepalived does");
  }
  if (!service_valid) return std::nullopt;
  return server;
}

std::optional<VirtualServerGroup> parse_virtual_server_group(const SyntaxNode& node,
                                                             Diagnostics& diagnostics) {
  if (node.arguments.empty() || !node.has_block) {
    diagnostics.error(node.location(), "virtual_server_group needs a name and a { } block");
    return std::nullopt;
  }
  VirtualServerGroup group;
  group.name = node.arguments[0].text;
  group.location = node.location();
  for (const auto& line : node.children) {
    VirtualServerGroupEntry entry;
    entry.location = line.location();
    if (line.has_block || (line.keyword.text == "fwmark" && line.arguments.empty())) {
      diagnostics.error(line.location(), "virtual_server_group entries are 'ADDRESS [PORT]', 'RANGE [PORT]' or "
                                         "'fwmark N'");
      continue;
    }
    if (line.keyword.text == "fwmark") {
      const auto mark = read_integer(line.arguments[0], 1, 0xFFFFFFFFLL, "fwmark", diagnostics);
      if (!mark) continue;
      entry.is_fwmark = true;
      entry.fwmark = static_cast<std::uint32_t>(*mark);
      group.entries.push_back(entry);
      continue;
    }
    const auto range = read_address_range(line.keyword, diagnostics);
    if (!range) continue;
    std::optional<std::uint16_t> port = 0;
    if (!line.arguments.empty()) port = read_port(line.arguments[0], "virtual_server_group port", diagnostics);
    if (!port) continue;
    if (line.arguments.size() > 1)
      diagnostics.warning(line.arguments[1].location, "'" + join_arguments(line, 1) + "' after the port is ignored");
    entry.first = range->first;
    entry.last = range->second;
    entry.port = *port;
    group.entries.push_back(entry);
  }
  return group;
}

}  // namespace xdplb::config::detail
