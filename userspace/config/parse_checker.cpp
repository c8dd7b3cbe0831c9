// Health checkers inside a real_server block.
#include <algorithm>
#include <array>

#include "config/block_reader.h"
#include "config/hex_string.h"
#include "config/parse_blocks.h"
#include "config/values.h"

namespace xdplb::config::detail {

namespace {

// A record type in any case, kept in keepalived's spelling ("aaaa" is AAAA).
constexpr Choices<std::string_view, 7> dns_types{
    .rule = {.subject = "DNS_CHECK type", .letter_case = LetterCase::any, .missing = "a record type"},
    .spellings = {{{"A", "A"},
                   {"NS", "NS"},
                   {"CNAME", "CNAME"},
                   {"SOA", "SOA"},
                   {"MX", "MX"},
                   {"TXT", "TXT"},
                   {"AAAA", "AAAA"}}}};

void add_common_handlers(BlockReader& reader, CheckerCommon& common, Diagnostics& diagnostics) {
  const auto address = [&diagnostics](std::optional<IpAddress>& field, const char* what) {
    return [&field, what, &diagnostics](const SyntaxNode& statement) {
      if (const auto* token = require_argument(statement, 0, "an address", diagnostics))
        field = read_address(*token, false, what, diagnostics);
    };
  };
  const auto port = [&diagnostics](std::optional<std::uint16_t>& field, const char* what) {
    return [&field, what, &diagnostics](const SyntaxNode& statement) {
      if (const auto* token = require_argument(statement, 0, "a port", diagnostics))
        field = read_port(*token, what, diagnostics);
    };
  };
  add_inherited_timing_keywords(reader, common, 0, diagnostics);
  reader.on("connect_ip", address(common.connect_ip, "connect_ip"))
      .on("connect_port", port(common.connect_port, "connect_port"))
      .on("bindto", address(common.bindto, "bindto"))
      .on("bind_port", port(common.bind_port, "bind_port"))
      .on("delay_loop", BlockReader::optional_seconds(common.delay_loop, std::chrono::milliseconds(1),
                                                      max_timer, diagnostics))
      .on("alpha", BlockReader::boolean(common.alpha, diagnostics))
      .not_applicable({"fwmark"}, "IPVS only: xdplb has no IPVS")
      .not_applicable({"bind_if", "log_all_failures", "dynamic"},
                      "keepalived option xdplb does not implement");
}

std::optional<StatusCodeRange> parse_status_code(const Token& token, Diagnostics& diagnostics) {
  const auto dash = token.text.find('-');
  Token first = token;
  Token last = token;
  if (dash != std::string::npos) {
    first.text = token.text.substr(0, dash);
    last.text = token.text.substr(dash + 1);
  }
  const auto low = read_integer(first, 100, 599, "status_code", diagnostics);
  if (!low) return std::nullopt;
  const auto high = read_integer(last, 100, 599, "status_code", diagnostics);
  if (!high) return std::nullopt;
  if (*high < *low) {
    diagnostics.error(token.location, "status_code range '" + token.text + "' ends before it starts");
    return std::nullopt;
  }
  return StatusCodeRange{static_cast<unsigned>(*low), static_cast<unsigned>(*high)};
}

HttpUrl parse_url(const SyntaxNode& block, Diagnostics& diagnostics) {
  HttpUrl url;
  url.location = block.location();
  BlockReader reader("url", diagnostics);
  reader.on("path", BlockReader::word(url.path, "a path", diagnostics))
      .on("status_code",
          [&](const SyntaxNode& statement) {
            if (!require_argument(statement, 0, "a status code", diagnostics)) return;
            for (const auto& token : statement.arguments) {
              if (const auto range = parse_status_code(token, diagnostics))
                url.status_codes.push_back(*range);
            }
          })
      .on("digest",
          [&](const SyntaxNode& statement) {
            const auto* digest = require_argument(statement, 0, "an MD5 digest", diagnostics);
            if (!digest) return;
            std::string lower = digest->text;
            std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
              return c >= 'A' && c <= 'F' ? static_cast<char>(c - 'A' + 'a') : c;
            });
            if (lower.size() != 32 || lower.find_first_not_of("0123456789abcdef") != std::string::npos) {
              diagnostics.error(digest->location, "digest must be 32 hexadecimal digits (an MD5 sum)");
              return;
            }
            url.digest = lower;
          })
      .on("virtualhost", BlockReader::word(url.virtualhost, "a host name", diagnostics))
      .not_applicable({"regex", "regex_no_match", "regex_options", "regex_stack", "regex_min_offset",
                       "regex_max_offset", "regex_use_after_tls"},
                      "keepalived option xdplb does not implement");
  reader.read(block.children);
  if (url.path.empty()) diagnostics.error(block.location(), "url has no path");
  return url;
}

HttpGetCheck parse_http_get(const SyntaxNode& node, bool tls, Diagnostics& diagnostics) {
  HttpGetCheck check;
  check.tls = tls;
  BlockReader reader(node.keyword.text, diagnostics, &check.keywords);
  add_common_handlers(reader, check, diagnostics);
  // keepalived 2.2.7 reads its old name for retry in HTTP_GET and SSL_GET only ("nb_get_retry is
  // deprecated - please use 'retry'"); in the other checkers it is an unknown keyword.
  reader.on("nb_get_retry", [&check, &diagnostics](const SyntaxNode& statement) {
    BlockReader::integer(check.retry, 0, 1000000, diagnostics)(statement);
    diagnostics.keepalived_warning(statement.location(), "nb_get_retry is read as retry (keepalived 2.2.7 says it "
                                                         "is deprecated: write retry)");
  });
  reader
      .on_block("url", [&](const SyntaxNode& block) { check.urls.push_back(parse_url(block, diagnostics)); })
      .on("virtualhost", BlockReader::word(check.virtualhost, "a host name", diagnostics))
      .not_applicable({"http_protocol", "fast_recovery"}, "keepalived option xdplb does not implement");
  if (tls) reader.on("enable_sni", BlockReader::boolean(check.enable_sni, diagnostics));
  reader.read(node.children);
  if (check.urls.empty()) diagnostics.error(node.location(), node.keyword.text + " has no url");
  return check;
}

MiscCheck parse_misc(const SyntaxNode& node, Diagnostics& diagnostics) {
  MiscCheck check;
  BlockReader reader("MISC_CHECK", diagnostics, &check.keywords);
  add_common_handlers(reader, check, diagnostics);
  reader.on("misc_path", BlockReader::command(check.misc_path, "a command", diagnostics))
      .on("misc_timeout", BlockReader::optional_seconds(check.misc_timeout, std::chrono::milliseconds(1),
                                                        max_timer, diagnostics))
      .on("misc_dynamic", BlockReader::flag(check.misc_dynamic, diagnostics))
      .on("user", BlockReader::user_and_group(check.user, check.group, diagnostics));
  reader.read(node.children);
  if (check.misc_path.empty()) diagnostics.error(node.location(), "MISC_CHECK has no misc_path");
  return check;
}

SmtpCheck parse_smtp(const SyntaxNode& node, Diagnostics& diagnostics) {
  SmtpCheck check;
  BlockReader reader("SMTP_CHECK", diagnostics, &check.keywords);
  add_common_handlers(reader, check, diagnostics);
  reader.on("helo_name", BlockReader::word(check.helo_name, "a host name", diagnostics))
      .not_applicable({"host"}, "keepalived's old multi-host form; use one SMTP_CHECK per host");
  reader.read(node.children);
  return check;
}

void read_dns_type(const SyntaxNode& statement, DnsCheck& check, Diagnostics& diagnostics) {
  if (const auto type = BlockReader::choice(statement, dns_types, diagnostics)) check.type = *type;
}

DnsCheck parse_dns(const SyntaxNode& node, Diagnostics& diagnostics) {
  DnsCheck check;
  BlockReader reader("DNS_CHECK", diagnostics, &check.keywords);
  add_common_handlers(reader, check, diagnostics);
  reader.on("type", read_dns_type, check)
      .on("name", BlockReader::word(check.name, "a domain name", diagnostics));
  reader.read(node.children);
  return check;
}

void read_udp_payload(const SyntaxNode& statement, UdpCheck& check, Diagnostics& diagnostics) {
  if (!require_argument(statement, 0, "a HEX_STR", diagnostics)) return;
  if (auto bytes = read_hex_string(statement.arguments, false, "UDP_CHECK payload", diagnostics))
    check.payload = std::move(bytes->data);
}

// "require_reply [HEX_STR]": a reply is needed; with HEX_STR its first bytes must match.
void read_udp_require_reply(const SyntaxNode& statement, UdpCheck& check, Diagnostics& diagnostics) {
  check.require_reply = true;
  if (statement.arguments.empty()) return;
  if (auto bytes = read_hex_string(statement.arguments, true, "UDP_CHECK require_reply", diagnostics)) {
    check.reply_data = std::move(bytes->data);
    check.reply_mask = std::move(bytes->mask);
  }
}

UdpCheck parse_udp(const SyntaxNode& node, Diagnostics& diagnostics) {
  UdpCheck check;
  BlockReader reader("UDP_CHECK", diagnostics, &check.keywords);
  add_common_handlers(reader, check, diagnostics);
  reader.on("payload", read_udp_payload, check)
      .on("require_reply", read_udp_require_reply, check)
      .on("min_reply_length", BlockReader::integer(check.min_reply_length, 0, 65535, diagnostics))
      .on("max_reply_length", BlockReader::integer(check.max_reply_length, 0, 65535, diagnostics));
  reader.read(node.children);
  if (check.min_reply_length > check.max_reply_length)
    diagnostics.error(check.keywords.at_or("min_reply_length", node.location()),
                      "UDP_CHECK min_reply_length " + std::to_string(check.min_reply_length) +
                          " is above max_reply_length " + std::to_string(check.max_reply_length) +
                          ": every reply would fail");
  return check;
}

// FILE_CHECK's "weight N [reverse|noreverse]"; keepalived takes -65535..65535 (IPVS_WEIGHT_MAX).
void read_file_check_weight(const SyntaxNode& statement, FileCheck& check, Diagnostics& diagnostics) {
  const auto weight = read_single_integer(statement, -65535, 65535, diagnostics);
  if (!weight) return;
  check.weight = static_cast<int>(*weight);
  if (statement.arguments.size() < 2) return;
  const Token& option = statement.arguments[1];
  if (option.text == "reverse" || option.text == "noreverse") {
    check.reverse = option.text == "reverse";
  } else {
    diagnostics.error(option.location, "expected 'reverse' or 'noreverse' after the FILE_CHECK weight, not '" +
                                           option.text + "'");
  }
}

FileCheck parse_file(const SyntaxNode& node, Diagnostics& diagnostics) {
  FileCheck check;
  BlockReader reader("FILE_CHECK", diagnostics, &check.keywords);
  reader.on("track_file", BlockReader::word(check.track_file, "a track_file name", diagnostics))
      .on("weight", read_file_check_weight, check)
      .on("dynamic", BlockReader::flag(check.dynamic, diagnostics));
  reader.read(node.children);
  if (check.track_file.empty()) diagnostics.error(node.location(), "FILE_CHECK has no track_file");
  return check;
}

template <typename Check>
Check parse_plain(const SyntaxNode& node, Diagnostics& diagnostics) {
  Check check;
  BlockReader reader(node.keyword.text, diagnostics, &check.keywords);
  add_common_handlers(reader, check, diagnostics);
  reader.read(node.children);
  return check;
}

}  // namespace

void add_inherited_timing_keywords(BlockReader& reader, InheritedTiming& timing, std::int64_t min_retry,
                                   Diagnostics& diagnostics) {
  reader
      .on("connect_timeout", BlockReader::optional_seconds(timing.connect_timeout, std::chrono::milliseconds(1),
                                                           max_timer, diagnostics))
      .on("retry", BlockReader::integer(timing.retry, min_retry, 1000000, diagnostics))
      .on("delay_before_retry",
          BlockReader::optional_seconds(timing.delay_before_retry, Duration{0}, max_timer, diagnostics))
      .on("warmup", BlockReader::optional_seconds(timing.warmup, Duration{0}, max_timer, diagnostics));
}

std::span<const std::string_view> checker_keywords() {
  static constexpr std::string_view keywords[] = {"TCP_CHECK",  "HTTP_GET",   "SSL_GET",   "MISC_CHECK",
                                                  "PING_CHECK", "ICMP_CHECK", "SMTP_CHECK", "DNS_CHECK",
                                                  "UDP_CHECK",  "FILE_CHECK"};
  return keywords;
}

bool is_checker_keyword(std::string_view keyword) {
  const auto keywords = checker_keywords();
  return std::find(keywords.begin(), keywords.end(), keyword) != keywords.end();
}

std::optional<Checker> parse_checker(const SyntaxNode& node, Diagnostics& diagnostics) {
  const std::string& kind = node.keyword.text;
  Checker checker;
  if (kind == "TCP_CHECK") {
    checker = parse_plain<TcpCheck>(node, diagnostics);
  } else if (kind == "HTTP_GET" || kind == "SSL_GET") {
    checker = parse_http_get(node, kind == "SSL_GET", diagnostics);
  } else if (kind == "MISC_CHECK") {
    checker = parse_misc(node, diagnostics);
  } else if (kind == "PING_CHECK" || kind == "ICMP_CHECK") {
    checker = parse_plain<PingCheck>(node, diagnostics);
  } else if (kind == "SMTP_CHECK") {
    checker = parse_smtp(node, diagnostics);
  } else if (kind == "DNS_CHECK") {
    checker = parse_dns(node, diagnostics);
  } else if (kind == "UDP_CHECK") {
    checker = parse_udp(node, diagnostics);
  } else if (kind == "FILE_CHECK") {
    checker = parse_file(node, diagnostics);
  } else {
    return std::nullopt;
  }
  std::visit([&](auto& check) { check.location = node.location(); }, checker);
  return checker;
}

}  // namespace xdplb::config::detail
