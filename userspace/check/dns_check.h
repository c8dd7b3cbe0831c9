// DNS_CHECK: one query of `type` for `name` over UDP; healthy when a matching response with
// RCODE NOERROR carries at least one answer record (keepalived's rule).
#pragma once

#include <asio/io_context.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "check/checker.h"

namespace xdplb::check {

struct DnsCheckParams {
  CheckTarget target;         // port 53 unless configured
  std::string type = "SOA";   // A, NS, CNAME, SOA, MX, TXT, AAAA (keepalived's set)
  std::string name = ".";
  bool operator==(const DnsCheckParams&) const = default;
};

// Wire-format query (RFC 1035 4.1) with recursion desired; throws std::invalid_argument on an
// unknown type or a name that cannot be encoded (label > 63 octets, name > 255 octets).
std::vector<std::uint8_t> build_dns_query(std::uint16_t id, const std::string& type, const std::string& name);

// Empty when `response` answers `query` with NOERROR and >= 1 answer; otherwise why not.
std::string check_dns_response(const std::vector<std::uint8_t>& query, const std::uint8_t* response, std::size_t size);

class DnsCheck final : public Checker {
 public:
  DnsCheck(asio::io_context& io, DnsCheckParams params);
  void start(Clock::duration connect_timeout, Completion done) override;
  std::string describe() const override;

 private:
  asio::io_context& io_;
  DnsCheckParams params_;
  std::uint16_t next_id_;
};

}  // namespace xdplb::check
