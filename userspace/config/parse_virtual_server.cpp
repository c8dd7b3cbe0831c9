// virtual_server, real_server and virtual_server_group blocks.
#include <array>
#include <utility>

#include "config/block_reader.h"
#include "config/parse_blocks.h"
#include "config/values.h"

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
constexpr Choices<Protocol, 2> protocols{.rule = {.subject = "protocol", .letter_case = LetterCase::any},
                                         .spellings = {{{"TCP", Protocol::tcp}, {"UDP", Protocol::udp}}}};

// keepalived's virtual_server keywords that xdplb accepts and ignores.
constexpr std::string_view ipvs_only_keywords[] = {
    "ops",     "one_packet_ops", "laddr_group_name", "syn_proxy", "mh-port", "mh-fallback",
    "sh-port", "sh-fallback",    "flag-1",           "flag-2",    "flag-3",  "ip_family"};
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
    const auto port = read_port(node.arguments[1], "real_server port", diagnostics);
    if (!port) return std::nullopt;
    server.port = *port;
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

}  // namespace

std::optional<VirtualServer> parse_virtual_server(const SyntaxNode& node, Diagnostics& diagnostics) {
  VirtualServer server;
  server.location = node.location();
  if (node.arguments.size() < 2) {
    diagnostics.error(node.location(), "virtual_server needs 'ADDRESS PORT', 'fwmark N' or 'group NAME'");
    return std::nullopt;
  }
  const Token& first = node.arguments[0];
  const Token& second = node.arguments[1];
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
    const auto port = read_port(second, "virtual_server port", diagnostics);
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
      .not_applicable(checker_mail_keywords, checker_mail_reason);
  reader.read(node.children);
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
    if (line.has_block || line.arguments.empty()) {
      diagnostics.error(line.location(), "virtual_server_group entries are 'ADDRESS PORT' or 'fwmark N'");
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
    Token address_token = line.keyword;
    std::optional<std::int64_t> range_last;
    // "192.0.2.10-20": a range over the last byte of an IPv4 address.
    if (const auto dash = address_token.text.rfind('-'); dash != std::string::npos) {
      Token last = address_token;
      last.text = address_token.text.substr(dash + 1);
      address_token.text.resize(dash);
      range_last = read_integer(last, 0, 255, "address range end", diagnostics);
      if (!range_last) continue;
    }
    const auto address = read_address(address_token, false, "virtual_server_group address", diagnostics);
    const auto port = read_port(line.arguments[0], "virtual_server_group port", diagnostics);
    if (!address || !port) continue;
    if (range_last) {
      if (!address->is_ipv4()) {
        diagnostics.error(line.location(), "address ranges are supported for IPv4 only");
        continue;
      }
      if (*range_last < address->bytes[3]) {
        diagnostics.error(line.location(), "address range ends before it starts");
        continue;
      }
      entry.range_last = static_cast<std::uint8_t>(*range_last);
    }
    entry.first = *address;
    entry.port = *port;
    group.entries.push_back(entry);
  }
  return group;
}

}  // namespace xdplb::config::detail
