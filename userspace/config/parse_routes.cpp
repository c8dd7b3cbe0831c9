// keepalived 2.2.7's routes and rules: virtual_routes / static_routes (ip-route(8)'s forms) and
// virtual_rules / static_rules (ip-rule(8)'s), and static_ipaddress (virtual_ipaddress's form).
// Every line is one route or rule; a line with a mistake is reported at the word and left out.
#include <algorithm>
#include <array>
#include <charconv>
#include <map>

#include "config/parse_blocks.h"
#include "config/values.h"

namespace xdplb::config {

const char* to_string(RouteType type) {
  switch (type) {
    case RouteType::unicast: return "unicast";
    case RouteType::local: return "local";
    case RouteType::broadcast: return "broadcast";
    case RouteType::anycast: return "anycast";
    case RouteType::multicast: return "multicast";
    case RouteType::blackhole: return "blackhole";
    case RouteType::unreachable: return "unreachable";
    case RouteType::prohibit: return "prohibit";
    case RouteType::throw_: return "throw";
  }
  return "unicast";
}

const char* to_string(RouteMetric metric) {
  switch (metric) {
    case RouteMetric::mtu: return "mtu";
    case RouteMetric::advmss: return "advmss";
    case RouteMetric::hoplimit: return "hoplimit";
    case RouteMetric::window: return "window";
    case RouteMetric::rtt: return "rtt";
    case RouteMetric::rttvar: return "rttvar";
    case RouteMetric::reordering: return "reordering";
    case RouteMetric::cwnd: return "cwnd";
    case RouteMetric::ssthresh: return "ssthresh";
    case RouteMetric::rto_min: return "rto_min";
    case RouteMetric::initcwnd: return "initcwnd";
    case RouteMetric::initrwnd: return "initrwnd";
    case RouteMetric::quickack: return "quickack";
    case RouteMetric::fastopen_no_cookie: return "fastopen_no_cookie";
    case RouteMetric::features: return "features";
  }
  return "mtu";
}

const char* to_string(RuleAction action) {
  switch (action) {
    case RuleAction::table: return "table";
    case RuleAction::goto_: return "goto";
    case RuleAction::nop: return "nop";
    case RuleAction::blackhole: return "blackhole";
    case RuleAction::unreachable: return "unreachable";
    case RuleAction::prohibit: return "prohibit";
  }
  return "table";
}

const char* to_string(RoutePreference preference) {
  switch (preference) {
    case RoutePreference::low: return "low";
    case RoutePreference::medium: return "medium";
    case RoutePreference::high: return "high";
  }
  return "medium";
}

namespace detail {

namespace {

constexpr std::uint32_t kUint32Max = 0xFFFFFFFFu;
constexpr std::uint8_t kRouteProtocolKeepalived = 18;  // RTPROT_KEEPALIVED
// keepalived 2.2.7 gives a rule without a preference 16384, the next one 16383, and so on.
constexpr std::uint32_t kFirstAssignedPreference = 16384;

// The statement as one list of words: keepalived's route and rule lines have no keyword of their own.
std::vector<Token> words_of(const SyntaxNode& line) {
  std::vector<Token> words{line.keyword};
  words.insert(words.end(), line.arguments.begin(), line.arguments.end());
  return words;
}

// A decimal or 0x-hexadecimal number in [min, max] (ip(8) takes both for tos, fwmark, realms).
std::optional<std::uint64_t> read_number(const Token& token, std::uint64_t min, std::uint64_t max,
                                         const std::string& what, Diagnostics& diagnostics) {
  std::string_view text = token.text;
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
    base = 16;
  }
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (text.empty() || ec == std::errc::invalid_argument || end != text.data() + text.size()) {
    diagnostics.error(token.location, what + " must be a number, not '" + token.text + "'");
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range || value < min || value > max) {
    diagnostics.error(token.location, what + " " + token.text + " is out of range (" + std::to_string(min) + "-" +
                                          std::to_string(max) + ")");
    return std::nullopt;
  }
  return value;
}

// "A-B" (or "A", which ip-rule(8) takes too) with both ends in [min, max] and A <= B.
std::optional<std::pair<std::uint64_t, std::uint64_t>> read_range(const Token& token, std::uint64_t min,
                                                                  std::uint64_t max, const std::string& what,
                                                                  Diagnostics& diagnostics) {
  const auto dash = token.text.find('-');
  Token first = token;
  Token last = token;
  if (dash != std::string::npos) {
    first.text = token.text.substr(0, dash);
    last.text = token.text.substr(dash + 1);
  }
  const auto a = read_number(first, min, max, what, diagnostics);
  if (!a) return std::nullopt;
  const auto b = read_number(last, min, max, what, diagnostics);
  if (!b) return std::nullopt;
  if (*b < *a) {
    diagnostics.error(token.location, what + " " + token.text + " ends before it starts");
    return std::nullopt;
  }
  return std::pair{*a, *b};
}

// `table main|local|default|N` (names of /etc/iproute2/rt_tables other than these are refused:
// the parser reads no host files but the configuration's).
std::optional<std::uint32_t> read_table(const Token& token, std::uint64_t min, Diagnostics& diagnostics) {
  static constexpr std::array<std::pair<std::string_view, std::uint32_t>, 3> names{
      {{"default", 253}, {"main", 254}, {"local", 255}}};
  for (const auto& [name, number] : names)
    if (token.text == name) return number;
  if (token.text.empty() || (token.text[0] < '0' || token.text[0] > '9')) {
    diagnostics.error(token.location, "table '" + token.text +
                                          "': xdplb knows the tables main, local and default by name, any "
                                          "other by number");
    return std::nullopt;
  }
  const auto number = read_number(token, min, kUint32Max, "table", diagnostics);
  if (!number) return std::nullopt;
  return static_cast<std::uint32_t>(*number);
}

// `protocol NAME|N`: iproute2's names of the rtnetlink protocols (RTPROT_*).
std::optional<std::uint8_t> read_route_protocol(const Token& token, Diagnostics& diagnostics) {
  static constexpr std::array<std::pair<std::string_view, std::uint8_t>, 20> names{
      {{"redirect", 1}, {"kernel", 2},  {"boot", 3},    {"static", 4}, {"gated", 8},   {"ra", 9},    {"mrt", 10},
       {"zebra", 11},   {"bird", 12},   {"dnrouted", 13}, {"xorp", 14}, {"ntk", 15},   {"dhcp", 16}, {"keepalived", 18},
       {"babel", 42},   {"bgp", 186},   {"isis", 187},  {"ospf", 188}, {"rip", 189},  {"eigrp", 192}}};
  for (const auto& [name, number] : names)
    if (token.text == name) return number;
  const auto number = read_number(token, 0, 255, "protocol", diagnostics);
  if (!number) return std::nullopt;
  return static_cast<std::uint8_t>(*number);
}

// `ipproto NAME|N`: the IP protocols by their /etc/protocols names that matter for rules.
std::optional<std::uint8_t> read_ip_protocol(const Token& token, Diagnostics& diagnostics) {
  static constexpr std::array<std::pair<std::string_view, std::uint8_t>, 11> names{
      {{"icmp", 1}, {"igmp", 2}, {"tcp", 6}, {"udp", 17}, {"gre", 47}, {"esp", 50}, {"ah", 51}, {"icmpv6", 58},
       {"ipv6-icmp", 58}, {"sctp", 132}, {"udplite", 136}}};
  for (const auto& [name, number] : names)
    if (equals_ignoring_case(token.text, name)) return number;
  const auto number = read_number(token, 0, 255, "ipproto", diagnostics);
  if (!number) return std::nullopt;
  return static_cast<std::uint8_t>(*number);
}

std::optional<std::uint8_t> read_scope(const Token& token, Diagnostics& diagnostics) {
  static constexpr std::array<std::pair<std::string_view, std::uint8_t>, 6> names{
      {{"global", 0}, {"universe", 0}, {"site", 200}, {"link", 253}, {"host", 254}, {"nowhere", 255}}};
  for (const auto& [name, number] : names)
    if (token.text == name) return number;
  const auto number = read_number(token, 0, 255, "scope", diagnostics);
  if (!number) return std::nullopt;
  return static_cast<std::uint8_t>(*number);
}

// `realms [FROM/]TO`: the kernel's (FROM << 16) | TO.
std::optional<std::uint32_t> read_realms(const Token& token, Diagnostics& diagnostics) {
  const auto slash = token.text.find('/');
  Token to = token;
  std::uint64_t from = 0;
  if (slash != std::string::npos) {
    Token from_token = token;
    from_token.text = token.text.substr(0, slash);
    to.text = token.text.substr(slash + 1);
    const auto value = read_number(from_token, 0, 0xFFFF, "realms", diagnostics);
    if (!value) return std::nullopt;
    from = *value;
  }
  const auto value = read_number(to, 0, 0xFFFF, "realms", diagnostics);
  if (!value) return std::nullopt;
  return static_cast<std::uint32_t>(from << 16 | *value);
}

// The words of a route or a rule, read one after the other; every error names the word.
class Words {
 public:
  Words(std::vector<Token> words, Diagnostics& diagnostics) : words_(std::move(words)), diagnostics_(diagnostics) {}

  bool done() const { return next_ >= words_.size(); }
  const Token& peek() const { return words_[next_]; }
  const Token& take() { return words_[next_++]; }
  // The value after `option`, or nullptr once "'OPTION' needs WHAT" is reported.
  const Token* value_of(const Token& option, std::string_view what) {
    if (done()) {
      diagnostics_.error(option.location, "'" + option.text + "' needs " + std::string(what));
      return nullptr;
    }
    return &take();
  }

 private:
  std::vector<Token> words_;
  Diagnostics& diagnostics_;
  std::size_t next_ = 0;
};

// Options keepalived 2.2.7 takes that xdplb refuses, and why (docs/configuration.md says it too).
const char* refused_route_option(std::string_view word) {
  static const std::map<std::string_view, const char*> refused{
      {"congctl", "the congestion control metric is a string, which libnl-route-3 cannot send"},
      {"encap", "lightweight tunnel encapsulation is not implemented"},
      {"vrf", "a VRF's table is not looked up: write 'table N'"},
      {"track_group", "track_group is not implemented: xdplb does not watch its routes and rules"},
      {"ttl-propagate", "libnl-route-3 sends ttl-propagate for MPLS routes only"},
      {"as", "'as to' is for MPLS routes, which xdplb does not program"},
  };
  const auto found = refused.find(word);
  return found == refused.end() ? nullptr : found->second;
}

std::optional<RouteMetric> metric_named(std::string_view word) {
  static constexpr std::array<std::pair<std::string_view, RouteMetric>, 15> names{{
      {"mtu", RouteMetric::mtu},
      {"advmss", RouteMetric::advmss},
      {"hoplimit", RouteMetric::hoplimit},
      {"window", RouteMetric::window},
      {"rtt", RouteMetric::rtt},
      {"rttvar", RouteMetric::rttvar},
      {"reordering", RouteMetric::reordering},
      {"cwnd", RouteMetric::cwnd},
      {"ssthresh", RouteMetric::ssthresh},
      {"rto_min", RouteMetric::rto_min},
      {"initcwnd", RouteMetric::initcwnd},
      {"initrwnd", RouteMetric::initrwnd},
      {"quickack", RouteMetric::quickack},
      {"fastopen_no_cookie", RouteMetric::fastopen_no_cookie},
      {"features", RouteMetric::features},
  }};
  for (const auto& [name, metric] : names)
    if (word == name) return metric;
  return std::nullopt;
}

std::optional<RouteType> route_type_named(std::string_view word) {
  static constexpr std::array<std::pair<std::string_view, RouteType>, 8> names{{
      {"local", RouteType::local},
      {"broadcast", RouteType::broadcast},
      {"anycast", RouteType::anycast},
      {"multicast", RouteType::multicast},
      {"blackhole", RouteType::blackhole},
      {"unreachable", RouteType::unreachable},
      {"prohibit", RouteType::prohibit},
      {"throw", RouteType::throw_},
  }};
  for (const auto& [name, type] : names)
    if (word == name) return type;
  return std::nullopt;
}

// A route's metric: `NAME [lock] N`, `quickack 0|1`, `features ecn`.
bool read_metric(RouteMetric metric, const Token& option, Words& words, VirtualRoute& route,
                 Diagnostics& diagnostics) {
  RouteMetricValue value;
  if (metric == RouteMetric::features) {
    const Token* feature = words.value_of(option, "a feature (ecn)");
    if (!feature) return false;
    if (feature->text != "ecn") {
      diagnostics.error(feature->location, "route feature '" + feature->text + "' is not supported (only ecn)");
      return false;
    }
    value.value = 1;  // RTAX_FEATURE_ECN
    route.metrics[metric] = value;
    return true;
  }
  if (!words.done() && words.peek().text == "lock") {
    words.take();
    value.lock = true;
  }
  const Token* number = words.value_of(option, "a number");
  if (!number) return false;
  const bool boolean = metric == RouteMetric::quickack || metric == RouteMetric::fastopen_no_cookie;
  const auto parsed = read_number(*number, 0, boolean ? 1 : kUint32Max, option.text, diagnostics);
  if (!parsed) return false;
  value.value = static_cast<std::uint32_t>(*parsed);
  route.metrics[metric] = value;
  return true;
}

bool same_family(const IpAddress& a, const IpAddress& b) { return a.is_ipv4() == b.is_ipv4(); }

// The family of a route whose destination is `default`, until `inet`, `inet6` or its first address
// (keepalived: "default via fd00::1" is ::/0) decides it.
struct OpenFamily {
  bool open = false;
};

// An address of the route's family, or an error at the word.
std::optional<IpAddress> read_route_address(const Token& token, VirtualRoute& route, std::string_view what,
                                            OpenFamily& family, Diagnostics& diagnostics) {
  auto address = read_address(token, false, what, diagnostics);
  if (!address) return std::nullopt;
  if (family.open) {
    route.destination.family = address->family;
    family.open = false;
  }
  if (!same_family(*address, route.destination)) {
    diagnostics.error(token.location, std::string(what) + " " + token.text + " is not of the route's family (" +
                                          (route.ipv6() ? "IPv6" : "IPv4") + "): a route cannot mix IPv4 and IPv6");
    return std::nullopt;
  }
  return address;
}

// `nexthop [via A] [dev X] [weight N] [onlink] [realms R]`, up to the next nexthop or the end.
bool read_nexthop(const Token& keyword, Words& words, VirtualRoute& route, OpenFamily& family,
                  Diagnostics& diagnostics) {
  RouteNexthop hop;
  hop.location = keyword.location;
  while (!words.done() && words.peek().text != "nexthop") {
    const Token& option = words.take();
    if (option.text == "onlink") {
      hop.onlink = true;
      continue;
    }
    const Token* value = nullptr;
    if (option.text == "via" || option.text == "gw") {
      if (!(value = words.value_of(option, "a gateway address"))) return false;
      if (value->text == "inet" || value->text == "inet6") value = words.value_of(*value, "a gateway address");
      if (!value) return false;
      hop.via = read_route_address(*value, route, "nexthop gateway", family, diagnostics);
      if (!hop.via) return false;
    } else if (option.text == "dev") {
      if (!(value = words.value_of(option, "an interface name"))) return false;
      hop.device = value->text;
    } else if (option.text == "weight") {
      if (!(value = words.value_of(option, "a number"))) return false;
      const auto weight = read_number(*value, 1, 256, "nexthop weight", diagnostics);
      if (!weight) return false;
      hop.weight = static_cast<std::uint16_t>(*weight);
    } else if (option.text == "realms") {
      if (!(value = words.value_of(option, "[FROM/]TO"))) return false;
      hop.realms = read_realms(*value, diagnostics);
      if (!hop.realms) return false;
    } else if (option.text == "encap") {
      diagnostics.error(option.location, "nexthop option 'encap' is not implemented by xdplb (lightweight "
                                         "tunnel encapsulation)");
      return false;
    } else {
      diagnostics.error(option.location, "unknown nexthop option '" + option.text +
                                             "' (a nexthop takes via, dev, weight, onlink and realms, and ends "
                                             "the route)");
      return false;
    }
  }
  if (!hop.via && hop.device.empty()) {
    diagnostics.error(keyword.location, "a nexthop needs 'via' or 'dev'");
    return false;
  }
  route.nexthops.push_back(std::move(hop));
  return true;
}

// `[src ADDR] [to] DEST` or `default` / `default6` after the route's type.
// `any_family`: `default`, which an `inet6` after it makes ::/0.
std::optional<IpAddress> read_destination(Words& words, const SourceLocation& line, bool& any_family,
                                          std::optional<Token>& early_source, Diagnostics& diagnostics) {
  if (!words.done() && words.peek().text == "src") {
    const Token& option = words.take();
    const Token* value = words.value_of(option, "an address");
    if (!value) return std::nullopt;
    early_source = *value;
  }
  if (!words.done() && words.peek().text == "to") words.take();
  if (words.done()) {
    diagnostics.error(line, "a route needs a destination");
    return std::nullopt;
  }
  const Token& destination = words.take();
  if (destination.text == "default" || destination.text == "default6") {
    IpAddress any;
    any.family = destination.text == "default" ? AddressFamily::ipv4 : AddressFamily::ipv6;
    any.prefix_length = 0;
    any.has_prefix = true;
    any_family = destination.text == "default";
    return any;
  }
  std::string reason;
  auto address = IpAddress::parse(destination.text, &reason);
  if (!address) {
    diagnostics.error(destination.location,
                      "a route needs a destination (ADDRESS[/PREFIX], default or default6), not '" +
                          destination.text + "'" + (reason.empty() ? "" : ": " + reason));
    return std::nullopt;
  }
  return address;
}

std::optional<VirtualRoute> parse_route(const SyntaxNode& line, std::string_view block, Diagnostics& diagnostics) {
  if (line.has_block) {
    diagnostics.error(line.location(), std::string("a ") + std::string(block) + " line takes no { } block");
    return std::nullopt;
  }
  Words words(words_of(line), diagnostics);
  VirtualRoute route;
  route.location = line.location();
  SourceLocation protocol_location = route.location;
  if (line.keyword.text == "nat") {
    diagnostics.error(line.keyword.location, "route type 'nat' is not supported: Linux has no NAT routes since 2.6");
    return std::nullopt;
  }
  if (const auto type = route_type_named(words.peek().text)) {
    route.type = *type;
    words.take();
  }
  std::optional<Token> early_source;
  bool written_default = false;
  const auto destination = read_destination(words, line.location(), written_default, early_source, diagnostics);
  if (!destination) return std::nullopt;
  route.destination = *destination;
  if (early_source) {
    OpenFamily decided;  // keepalived: "src fd00::1 default" mixes families
    route.source = read_route_address(*early_source, route, "route source", decided, diagnostics);
    if (!route.source) return std::nullopt;
  }
  bool hops_seen = false;
  OpenFamily family{written_default};
  while (!words.done()) {
    const Token& option = words.take();
    const std::string& word = option.text;
    const Token* value = nullptr;
    if (word == "nexthop") {
      if (route.via || !route.device.empty() || route.onlink) {
        diagnostics.error(option.location, "'nexthop' cannot follow the route's own via, dev or onlink: write "
                                           "every path as a nexthop");
        return std::nullopt;
      }
      hops_seen = true;
      if (!read_nexthop(option, words, route, family, diagnostics)) return std::nullopt;
      continue;
    }
    if (hops_seen) {
      diagnostics.error(option.location, "'" + word + "' after a nexthop: a nexthop ends the route");
      return std::nullopt;
    }
    if (word == "onlink") {
      route.onlink = true;
    } else if (word == "no_track") {
      route.no_track = true;
    } else if (word == "append") {
      route.append = true;
    } else if (word == "inet6" || word == "inet") {
      const bool ipv6 = word == "inet6";
      if (family.open) {
        route.destination.family = ipv6 ? AddressFamily::ipv6 : AddressFamily::ipv4;
        family.open = false;
      } else if (route.ipv6() != ipv6) {
        diagnostics.error(option.location, "'" + word + "' given for an " + (route.ipv6() ? "IPv6" : "IPv4") +
                                               " route");
        return std::nullopt;
      }
    } else if (word == "via" || word == "gw") {
      if (word == "gw")
        diagnostics.keepalived_warning(option.location, "'gw' is read as 'via' (keepalived 2.2.7 says \"gw\" for routes "
                                                        "is deprecated; write 'via')");
      if (!(value = words.value_of(option, "a gateway address"))) return std::nullopt;
      // "via inet6 ADDR": the family written out, as ip-route(8) takes it.
      if ((value->text == "inet" || value->text == "inet6") && !(value = words.value_of(*value, "a gateway address")))
        return std::nullopt;
      if (!(route.via = read_route_address(*value, route, "route gateway", family, diagnostics))) return std::nullopt;
    } else if (word == "or") {
      diagnostics.keepalived_warning(option.location, "'or' gives the route a second, equal path (keepalived 2.2.7 says "
                                                      "\"or\" for routes is deprecated; write 'nexthop')");
      if (!(value = words.value_of(option, "a gateway address"))) return std::nullopt;
      if (!route.via) {
        diagnostics.error(option.location, "'or' needs a 'via' gateway before it");
        return std::nullopt;
      }
      const auto second = read_route_address(*value, route, "route gateway", family, diagnostics);
      if (!second) return std::nullopt;
      if (route.or_via) {
        diagnostics.keepalived_warning(option.location, "a second 'or' is ignored (keepalived 2.2.7 ignores it too)");
        continue;
      }
      route.or_via = second;
    } else if (word == "src") {
      if (!(value = words.value_of(option, "an address"))) return std::nullopt;
      if (!(route.source = read_route_address(*value, route, "route source", family, diagnostics))) return std::nullopt;
    } else if (word == "dev" || word == "oif") {
      if (!(value = words.value_of(option, "an interface name"))) return std::nullopt;
      route.device = value->text;
    } else if (word == "scope") {
      if (!(value = words.value_of(option, "a scope"))) return std::nullopt;
      if (!(route.scope = read_scope(*value, diagnostics))) return std::nullopt;
    } else if (word == "table") {
      if (!(value = words.value_of(option, "a table"))) return std::nullopt;
      if (!(route.table = read_table(*value, 0, diagnostics))) return std::nullopt;
    } else if (word == "metric" || word == "priority" || word == "preference") {
      if (!(value = words.value_of(option, "a number"))) return std::nullopt;
      const auto number = read_number(*value, 0, kUint32Max, "route " + word, diagnostics);
      if (!number) return std::nullopt;
      route.metric = static_cast<std::uint32_t>(*number);
    } else if (word == "protocol" || word == "proto") {
      if (!(value = words.value_of(option, "a protocol"))) return std::nullopt;
      if (!(route.protocol = read_route_protocol(*value, diagnostics))) return std::nullopt;
      protocol_location = option.location;
    } else if (word == "tos" || word == "dsfield") {
      if (!(value = words.value_of(option, "a number"))) return std::nullopt;
      const auto number = read_number(*value, 0, 255, "route " + word, diagnostics);
      if (!number) return std::nullopt;
      route.tos = static_cast<std::uint8_t>(*number);
    } else if (word == "realms") {
      if (!(value = words.value_of(option, "[FROM/]TO"))) return std::nullopt;
      if (!(route.realms = read_realms(*value, diagnostics))) return std::nullopt;
    } else if (word == "pref" || word == "expires") {
      if (!(value = words.value_of(option, word == "pref" ? "low, medium or high" : "a number of seconds")))
        return std::nullopt;
      if (!route.ipv6()) {
        diagnostics.error(option.location, "'" + word + "' is for IPv6 routes only");
        return std::nullopt;
      }
      if (word == "expires") {
        const auto seconds = read_number(*value, 0, kUint32Max, "expires", diagnostics);
        if (!seconds) return std::nullopt;
        route.expires = static_cast<std::uint32_t>(*seconds);
      } else if (value->text == "low") {
        route.pref = RoutePreference::low;
      } else if (value->text == "medium") {
        route.pref = RoutePreference::medium;
      } else if (value->text == "high") {
        route.pref = RoutePreference::high;
      } else {
        diagnostics.error(value->location, "pref must be low, medium or high, not '" + value->text + "'");
        return std::nullopt;
      }
    } else if (const auto metric = metric_named(word)) {
      if (!read_metric(*metric, option, words, route, diagnostics)) return std::nullopt;
    } else if (const char* reason = refused_route_option(word)) {
      diagnostics.error(option.location, "route option '" + word + "' is not implemented by xdplb: " + reason);
      return std::nullopt;
    } else {
      diagnostics.error(option.location, "unknown route option '" + word + "'");
      return std::nullopt;
    }
  }
  if (route.or_via && route.via && *route.or_via == *route.via)
    diagnostics.warning(route.location, "'or' names the same gateway as 'via'");
  if (route.protocol && *route.protocol != kRouteProtocolKeepalived && !route.no_track)
    diagnostics.keepalived_warning(protocol_location,
                                   "keepalived 2.2.7 installs a route it tracks with its own protocol (18, "
                                   "keepalived) instead, and reports it; xdplb tracks no route and installs the "
                                   "protocol written (write no_track to quiet keepalived's -t)");
  // keepalived looks at the route's own dev only, not its nexthops'.
  if (route.device.empty() && !route.no_track)
    diagnostics.keepalived_warning(route.location, "a route without 'dev': keepalived 2.2.7 reports that it cannot track "
                                                   "it; xdplb tracks no route, so this changes nothing (write 'no_track' "
                                                   "or 'dev IF' to quiet keepalived's -t)");
  if (!route.nexthops.empty() && route.type != RouteType::unicast) {
    diagnostics.error(route.location, std::string("a ") + to_string(route.type) + " route takes no nexthop");
    return std::nullopt;
  }
  return route;
}

// One rule option that takes a value.
bool read_rule_option(const Token& option, Words& words, VirtualRule& rule, std::vector<Token>& actions,
                      Diagnostics& diagnostics) {
  const std::string& word = option.text;
  const Token* value = words.value_of(option, "a value");
  if (!value) return false;
  if (word == "table" || word == "lookup") {
    actions.push_back(option);
    const auto table = read_table(*value, 1, diagnostics);
    if (!table) return false;
    rule.action = RuleAction::table;
    rule.table = *table;
  } else if (word == "goto") {
    actions.push_back(option);
    const auto target = read_number(*value, 1, kUint32Max, "goto", diagnostics);
    if (!target) return false;
    rule.action = RuleAction::goto_;
    rule.goto_target = static_cast<std::uint32_t>(*target);
  } else if (word == "priority" || word == "preference") {
    const auto number = read_number(*value, 0, kUint32Max, "rule " + word, diagnostics);
    if (!number) return false;
    rule.preference = static_cast<std::uint32_t>(*number);
  } else if (word == "iif") {
    rule.iif = value->text;
  } else if (word == "oif") {
    rule.oif = value->text;
  } else if (word == "fwmark") {
    const auto slash = value->text.find('/');
    Token mark = *value;
    if (slash != std::string::npos) {
      mark.text = value->text.substr(0, slash);
      Token mask = *value;
      mask.text = value->text.substr(slash + 1);
      const auto m = read_number(mask, 0, kUint32Max, "fwmark mask", diagnostics);
      if (!m) return false;
      rule.fwmask = static_cast<std::uint32_t>(*m);
    }
    const auto m = read_number(mark, 0, kUint32Max, "fwmark", diagnostics);
    if (!m) return false;
    rule.fwmark = static_cast<std::uint32_t>(*m);
  } else if (word == "tos" || word == "dsfield") {
    const auto tos = read_number(*value, 0, 255, "rule " + word, diagnostics);
    if (!tos) return false;
    rule.tos = static_cast<std::uint8_t>(*tos);
  } else if (word == "realms") {
    if (!(rule.realms = read_realms(*value, diagnostics))) return false;
  } else if (word == "protocol") {
    if (!(rule.protocol = read_route_protocol(*value, diagnostics))) return false;
  } else if (word == "ipproto") {
    if (!(rule.ipproto = read_ip_protocol(*value, diagnostics))) return false;
  } else if (word == "sport" || word == "dport") {
    const auto range = read_range(*value, 0, 65535, word, diagnostics);
    if (!range) return false;
    (word == "sport" ? rule.sport : rule.dport) =
        PortRange{static_cast<std::uint16_t>(range->first), static_cast<std::uint16_t>(range->second)};
  } else if (word == "uidrange") {
    const auto range = read_range(*value, 0, kUint32Max, word, diagnostics);
    if (!range) return false;
    rule.uidrange = UidRange{static_cast<std::uint32_t>(range->first), static_cast<std::uint32_t>(range->second)};
  } else if (word == "suppress_prefixlength") {
    const auto number = read_number(*value, 0, 128, word, diagnostics);
    if (!number) return false;
    rule.suppress_prefixlength = static_cast<std::uint32_t>(*number);
  } else if (word == "suppress_ifgroup") {
    const auto number = read_number(*value, 0, kUint32Max, word, diagnostics);
    if (!number) return false;
    rule.suppress_ifgroup = static_cast<std::uint32_t>(*number);
  }
  return true;
}

bool rule_option_takes_value(std::string_view word) {
  static constexpr std::array<std::string_view, 17> with_value{
      "table",  "lookup",  "goto",   "priority", "preference", "iif",      "oif",   "fwmark",
      "tos",    "dsfield", "realms", "protocol", "ipproto",    "sport",    "dport", "uidrange",
      "suppress_prefixlength"};
  return word == "suppress_ifgroup" || std::find(with_value.begin(), with_value.end(), word) != with_value.end();
}

// `from ADDR|all`, `to ADDR|all`. nullopt with `skip` set: keepalived 2.2.7 leaves the rule out
// with a message (its own sample has "192.168.100./24"), and so does xdplb, with a warning.
std::optional<IpAddress> read_rule_address(const Token& option, const Token& value, bool& skip,
                                           Diagnostics& diagnostics) {
  if (value.text == "all" || value.text == "default") return std::nullopt;
  std::string reason;
  auto address = IpAddress::parse(value.text, &reason);
  if (!address) {
    diagnostics.keepalived_warning(value.location, "rule '" + option.text + "' address: " + reason +
                                            "; the rule is left out (as keepalived 2.2.7 does)");
    skip = true;
  }
  return address;
}

std::optional<VirtualRule> parse_rule(const SyntaxNode& line, std::string_view block, Diagnostics& diagnostics) {
  if (line.has_block) {
    diagnostics.error(line.location(), std::string("a ") + std::string(block) + " line takes no { } block");
    return std::nullopt;
  }
  Words words(words_of(line), diagnostics);
  VirtualRule rule;
  rule.location = line.location();
  std::vector<Token> actions;
  std::optional<Token> inet6;
  bool preference_written = false;
  bool skip = false;
  while (!words.done()) {
    const Token& option = words.take();
    const std::string& word = option.text;
    if (word == "not") {
      rule.invert = true;
    } else if (word == "from" || word == "to") {
      const Token* value = words.value_of(option, "an address or 'all'");
      if (!value) return std::nullopt;
      (word == "from" ? rule.from : rule.to) = read_rule_address(option, *value, skip, diagnostics);
    } else if (word == "nop" || word == "blackhole" || word == "unreachable" || word == "prohibit") {
      actions.push_back(option);
      rule.action = word == "nop"           ? RuleAction::nop
                    : word == "blackhole"   ? RuleAction::blackhole
                    : word == "unreachable" ? RuleAction::unreachable
                                            : RuleAction::prohibit;
    } else if (word == "l3mdev") {
      actions.push_back(option);
      rule.l3mdev = true;
      rule.action = RuleAction::table;
    } else if (word == "no_track") {
      rule.no_track = true;
    } else if (word == "inet6") {
      inet6 = option;
    } else if (rule_option_takes_value(word)) {
      if (word == "priority" || word == "preference") preference_written = true;
      if (!read_rule_option(option, words, rule, actions, diagnostics)) return std::nullopt;
    } else if (word == "nat" || word == "map-to") {
      diagnostics.error(option.location, "rule action '" + word + "' is not supported: Linux has no NAT rules since 2.6");
      return std::nullopt;
    } else if (word == "track_group") {
      diagnostics.error(option.location, "rule option 'track_group' is not implemented by xdplb: it does not watch "
                                         "its routes and rules");
      return std::nullopt;
    } else {
      diagnostics.error(option.location, "unknown rule option '" + word + "'");
      return std::nullopt;
    }
  }
  if (skip) return std::nullopt;
  if (actions.size() > 1) {
    diagnostics.error(actions[1].location, "a rule takes one action (table, goto, nop, blackhole, prohibit, "
                                           "unreachable or l3mdev), not '" +
                                               actions[0].text + "' and '" + actions[1].text + "'");
    return std::nullopt;
  }
  if (actions.empty()) {
    diagnostics.keepalived_warning(rule.location, "a rule without an action (table, goto, nop, blackhole, prohibit, unreachable "
                                       "or l3mdev) is left out, as keepalived 2.2.7 does");
    return std::nullopt;
  }
  if (rule.from && rule.to && !same_family(*rule.from, *rule.to)) {
    diagnostics.error(rule.location, "a rule cannot mix IPv4 and IPv6 in 'from' and 'to'");
    return std::nullopt;
  }
  const IpAddress* address = rule.from ? &*rule.from : rule.to ? &*rule.to : nullptr;
  if (address) rule.family = address->family;
  if (inet6) {
    if (address && address->is_ipv4()) {
      diagnostics.error(inet6->location, "'inet6' given for an IPv4 rule");
      return std::nullopt;
    }
    rule.family = AddressFamily::ipv6;
  }
  rule.preference_assigned = !preference_written;
  return rule;
}

}  // namespace

std::vector<VirtualRoute> parse_routes(const SyntaxNode& block, std::string_view name, Diagnostics& diagnostics) {
  std::vector<VirtualRoute> result;
  for (const auto& line : block.children)
    if (auto route = parse_route(line, name, diagnostics)) result.push_back(std::move(*route));
  return result;
}

std::vector<VirtualRule> parse_rules(const SyntaxNode& block, std::string_view name, Diagnostics& diagnostics) {
  std::vector<VirtualRule> result;
  for (const auto& line : block.children)
    if (auto rule = parse_rule(line, name, diagnostics)) result.push_back(std::move(*rule));
  return result;
}

std::vector<VirtualIp> parse_static_ipaddresses(const SyntaxNode& block, Diagnostics& diagnostics) {
  auto addresses = parse_virtual_ips(block, diagnostics);
  std::vector<VirtualIp> result;
  for (auto& address : addresses) {
    if (address.device.empty()) {
      diagnostics.error(address.location, "a static_ipaddress needs 'dev IFNAME': xdplb has no default_interface");
      continue;
    }
    result.push_back(std::move(address));
  }
  return result;
}

void assign_rule_preferences(Config& config, Diagnostics& diagnostics) {
  std::vector<VirtualRule*> unnumbered;
  for (auto& rule : config.static_rules)
    if (rule.preference_assigned) unnumbered.push_back(&rule);
  for (auto& instance : config.vrrp_instances)
    for (auto& rule : instance.virtual_rules)
      if (rule.preference_assigned) unnumbered.push_back(&rule);
  // keepalived numbers them in the order it reads them: the file's.
  std::stable_sort(unnumbered.begin(), unnumbered.end(), [](const VirtualRule* a, const VirtualRule* b) {
    const auto key = [](const VirtualRule* r) { return std::tie(r->location.file_name(), r->location.line, r->location.column); };
    return key(a) < key(b);
  });
  std::uint32_t next = kFirstAssignedPreference;
  for (auto* rule : unnumbered) {
    rule->preference = next;
    diagnostics.keepalived_warning(rule->location, "rule has no priority: xdplb gives it " + std::to_string(next) +
                                            ", as keepalived 2.2.7 does; write 'priority N'");
    if (next > 0) --next;
  }
}

}  // namespace detail
}  // namespace xdplb::config
