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

void read_lb_algo(const SyntaxNode& statement, VirtualServer& server, Diagnostics& diagnostics) {
  static constexpr std::array<std::pair<const char*, LbAlgo>, 11> algorithms{{{"rr", LbAlgo::rr},
                                                                              {"wrr", LbAlgo::wrr},
                                                                              {"lc", LbAlgo::lc},
                                                                              {"wlc", LbAlgo::wlc},
                                                                              {"lblc", LbAlgo::lblc},
                                                                              {"lblcr", LbAlgo::lblcr},
                                                                              {"sh", LbAlgo::sh},
                                                                              {"dh", LbAlgo::dh},
                                                                              {"sed", LbAlgo::sed},
                                                                              {"nq", LbAlgo::nq},
                                                                              {"mh", LbAlgo::mh}}};
  const auto* token = require_argument(statement, 0, "a scheduler", diagnostics);
  if (!token) return;
  for (const auto& [name, algo] : algorithms) {
    if (token->text != name) continue;
    server.lb_algo = algo;
    if (effective_lb_algo(algo) != algo) {
      diagnostics.warning(token->location, "lb_algo " + token->text +
                                               " needs per-connection state that xdplb's data plane does not "
                                               "keep; using mh (Maglev hashing) instead");
    }
    return;
  }
  diagnostics.error(
      token->location,
      "lb_algo must be one of rr wrr lc wlc lblc lblcr sh dh sed nq mh, not '" + token->text + "'");
}

void read_lb_kind(const SyntaxNode& statement, VirtualServer& server, Diagnostics& diagnostics) {
  const auto* token = require_argument(statement, 0, "DR, NAT or TUN", diagnostics);
  if (!token) return;
  if (equals_ignoring_case(token->text, "DR")) {
    server.lb_kind = LbKind::dr;
  } else if (equals_ignoring_case(token->text, "NAT")) {
    server.lb_kind = LbKind::nat;
  } else if (equals_ignoring_case(token->text, "TUN")) {
    server.lb_kind = LbKind::tun;
  } else {
    diagnostics.error(token->location, "lb_kind must be DR, NAT or TUN, not '" + token->text + "'");
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
  reader.on("weight", BlockReader::integer(server.weight, 0, 65535, diagnostics))
      .on("inhibit_on_failure", BlockReader::flag(server.inhibit_on_failure))
      .on("notify_up", BlockReader::script_with_user(server.notify_up, diagnostics))
      .on("notify_down", BlockReader::script_with_user(server.notify_down, diagnostics))
      .not_applicable({"uthreshold", "lthreshold"}, "IPVS only: xdplb has no IPVS")
      .not_applicable({"retry", "delay_before_retry", "warmup", "connect_timeout", "delay_loop", "smtp_alert",
                       "virtualhost", "alpha"},
                      "keepalived option xdplb does not implement; set it in the checker");
  for (const char* checker : {"TCP_CHECK", "HTTP_GET", "SSL_GET", "MISC_CHECK", "PING_CHECK", "ICMP_CHECK",
                              "SMTP_CHECK", "DNS_CHECK"}) {
    reader.on_block(checker, [&](const SyntaxNode& block) {
      if (auto parsed = parse_checker(block, diagnostics)) server.checkers.push_back(std::move(*parsed));
    });
  }
  if (node.has_block) reader.read(node.children);
  return server;
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
  reader
      .on("delay_loop",
          BlockReader::seconds(server.delay_loop, std::chrono::milliseconds(1), max_timer, diagnostics))
      .on("lb_algo", [&](const SyntaxNode& statement) { read_lb_algo(statement, server, diagnostics); })
      .on("lvs_sched", [&](const SyntaxNode& statement) { read_lb_algo(statement, server, diagnostics); })
      .on("lb_kind", [&](const SyntaxNode& statement) { read_lb_kind(statement, server, diagnostics); })
      .on("lvs_method", [&](const SyntaxNode& statement) { read_lb_kind(statement, server, diagnostics); })
      .on("persistence_timeout",
          [&](const SyntaxNode& statement) {
            if (statement.arguments.empty()) {
              server.persistence_timeout = default_persistence;
              return;
            }
            if (const auto timeout = read_seconds(statement.arguments[0], std::chrono::seconds(1), max_timer,
                                                  "persistence_timeout", diagnostics))
              server.persistence_timeout = *timeout;
          })
      .on("persistence_granularity",
          [&](const SyntaxNode& statement) {
            const auto* mask = require_argument(statement, 0, "a netmask", diagnostics);
            if (mask)
              server.persistence_granularity =
                  read_address(*mask, false, "persistence_granularity", diagnostics);
          })
      .on("protocol",
          [&](const SyntaxNode& statement) {
            const auto* protocol = require_argument(statement, 0, "TCP or UDP", diagnostics);
            if (!protocol) return;
            if (equals_ignoring_case(protocol->text, "TCP")) {
              server.protocol = Protocol::tcp;
            } else if (equals_ignoring_case(protocol->text, "UDP")) {
              server.protocol = Protocol::udp;
            } else {
              diagnostics.error(protocol->location,
                                "protocol must be TCP or UDP, not '" + protocol->text + "'");
            }
          })
      .on("quorum", BlockReader::integer(server.quorum, 1, 0xFFFFFFFFLL, diagnostics))
      .on("hysteresis", BlockReader::integer(server.hysteresis, 0, 0xFFFFFFFFLL, diagnostics))
      .on("quorum_up", BlockReader::script_with_user(server.quorum_up, diagnostics))
      .on("quorum_down", BlockReader::script_with_user(server.quorum_down, diagnostics))
      .on_either("sorry_server",
                 [&](const SyntaxNode& statement) {
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
                 })
      .on("sorry_server_inhibit", BlockReader::flag(server.sorry_server_inhibit))
      .on("alpha", BlockReader::flag(server.alpha))
      .on("omega", BlockReader::flag(server.omega))
      .on("ha_suspend", BlockReader::flag(server.ha_suspend))
      .on("inhibit_on_failure", BlockReader::flag(server.inhibit_on_failure))
      .on("virtualhost", BlockReader::word(server.virtualhost, "a host name", diagnostics))
      .on("xdp_ring_size",
          [&](const SyntaxNode& statement) {
            const auto size = read_single_integer(statement, min_ring_size, max_ring_size, diagnostics);
            if (!size) return;
            if (!is_prime(static_cast<std::uint32_t>(*size))) {
              diagnostics.error(statement.arguments[0].location,
                                "xdp_ring_size must be a prime number (Maglev needs it), e.g. 65537");
              return;
            }
            server.xdp_ring_size = static_cast<std::uint32_t>(*size);
          })
      .on_either("real_server",
                 [&](const SyntaxNode& block) {
                   if (auto real = parse_real_server(block, server.port, diagnostics))
                     server.real_servers.push_back(std::move(*real));
                 })
      .not_applicable({"ops", "one_packet_ops", "laddr_group_name", "syn_proxy", "mh-port", "mh-fallback",
                       "sh-port", "sh-fallback", "flag-1", "flag-2", "flag-3", "ip_family"},
                      "IPVS only: xdplb has no IPVS")
      .not_applicable({"retry", "delay_before_retry", "warmup", "connect_timeout", "smtp_alert"},
                      "keepalived option xdplb does not implement; set it in the checker");
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
