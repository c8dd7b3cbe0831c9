#include "check/dns_check.h"

#include <array>
#include <asio/ip/udp.hpp>
#include <asio/post.hpp>
#include <cctype>
#include <random>
#include <stdexcept>
#include <utility>

#include "check/attempt.h"

namespace xdplb::check {
namespace {

constexpr std::size_t kHeaderBytes = 12;

std::uint16_t type_code(const std::string& type) {
  static constexpr std::pair<const char*, std::uint16_t> kTypes[] = {
      {"A", 1}, {"NS", 2}, {"CNAME", 5}, {"SOA", 6}, {"MX", 15}, {"TXT", 16}, {"AAAA", 28}};
  std::string upper;
  for (char c : type) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (auto [name, code] : kTypes) {
    if (upper == name) return code;
  }
  throw std::invalid_argument("DNS_CHECK type must be one of A, NS, CNAME, SOA, MX, TXT, AAAA, not '" + type + "'");
}

std::uint16_t read16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }

class DnsAttempt final : public Attempt<DnsAttempt> {
 public:
  DnsAttempt(asio::io_context& io, const CheckTarget& target, std::vector<std::uint8_t> query,
             Checker::Completion done)
      : Attempt(io, std::move(done)), target_(target), query_(std::move(query)), socket_(io) {}

  void run(Clock::duration timeout) {
    asio::ip::udp::endpoint server(target_.address, target_.port);
    if (!open_and_bind(socket_, target_, server.protocol())) return;
    std::error_code ec;
    // Connected UDP: the kernel drops datagrams from anyone else and reports ICMP port unreachable.
    socket_.connect(server, ec);
    if (ec) return fail("DNS " + target_.describe() + ": " + ec.message());
    arm_deadline(timeout, "DNS " + target_.describe() + ": no answer within connect_timeout");
    socket_.async_send(asio::buffer(query_), [self = shared_from_this()](const std::error_code& send_ec, std::size_t) {
      if (self->finished()) return;
      if (send_ec) return self->fail("DNS " + self->target_.describe() + ": sending the query failed: " + send_ec.message());
      self->receive();
    });
  }

 private:
  void receive() {
    socket_.async_receive(asio::buffer(answer_), [self = shared_from_this()](const std::error_code& ec, std::size_t n) {
      if (self->finished()) return;
      if (ec) return self->fail("DNS " + self->target_.describe() + ": " + ec.message());
      // A stray or late datagram with another id is not this query's answer: keep waiting.
      if (n >= 2 && read16(self->answer_.data()) != read16(self->query_.data())) return self->receive();
      std::string problem = check_dns_response(self->query_, self->answer_.data(), n);
      if (!problem.empty()) return self->fail("DNS " + self->target_.describe() + ": " + problem);
      self->succeed("DNS " + self->target_.describe() + " answered");
    });
  }

  void abort_io() override {
    std::error_code ignored;
    socket_.close(ignored);
  }

  CheckTarget target_;
  std::vector<std::uint8_t> query_;
  asio::ip::udp::socket socket_;
  std::array<std::uint8_t, 4096> answer_{};
};

}  // namespace

std::vector<std::uint8_t> build_dns_query(std::uint16_t id, const std::string& type, const std::string& name) {
  std::uint16_t qtype = type_code(type);
  std::vector<std::uint8_t> query = {static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id & 0xff),
                                     0x01, 0x00,  // RD
                                     0, 1, 0, 0, 0, 0, 0, 0};
  if (name.empty()) throw std::invalid_argument("DNS_CHECK name must not be empty (use '.' for the root)");
  std::size_t start = 0;
  std::size_t encoded = 1;
  while (start < name.size()) {
    auto dot = name.find('.', start);
    std::size_t end = dot == std::string::npos ? name.size() : dot;
    std::size_t length = end - start;
    if (length == 0 && !(start == 0 && name == ".")) {
      throw std::invalid_argument("DNS_CHECK name has an empty label: '" + name + "'");
    }
    if (length > 63) throw std::invalid_argument("DNS_CHECK name has a label longer than 63 octets: '" + name + "'");
    if (length > 0) {
      query.push_back(static_cast<std::uint8_t>(length));
      query.insert(query.end(), name.begin() + static_cast<long>(start), name.begin() + static_cast<long>(end));
      encoded += length + 1;
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (encoded > 255) throw std::invalid_argument("DNS_CHECK name longer than 255 octets: '" + name + "'");
  query.push_back(0);
  query.push_back(static_cast<std::uint8_t>(qtype >> 8));
  query.push_back(static_cast<std::uint8_t>(qtype & 0xff));
  query.push_back(0);
  query.push_back(1);  // class IN
  return query;
}

std::string check_dns_response(const std::vector<std::uint8_t>& query, const std::uint8_t* response, std::size_t size) {
  if (size < kHeaderBytes) return "response shorter than a DNS header";
  if (read16(response) != read16(query.data())) return "response id does not match the query";
  std::uint16_t flags = read16(response + 2);
  if ((flags & 0x8000) == 0) return "datagram is not a response";
  if (flags & 0x0200) return "response truncated (TC)";
  static constexpr const char* kRcodes[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};
  unsigned rcode = flags & 0x000f;
  if (rcode != 0) return "rcode " + std::string(rcode < 6 ? kRcodes[rcode] : std::to_string(rcode).c_str());
  if (read16(response + 4) != 1) return "response does not echo exactly one question";
  // The question must be ours (names compare case-insensitively, RFC 4343).
  std::size_t question_bytes = query.size() - kHeaderBytes;
  if (size < kHeaderBytes + question_bytes) return "response shorter than its question";
  for (std::size_t i = 0; i < question_bytes; ++i) {
    auto a = query[kHeaderBytes + i];
    auto b = response[kHeaderBytes + i];
    if (std::tolower(a) != std::tolower(b)) return "response is for another question";
  }
  if (read16(response + 6) == 0) return "no answer record";
  return {};
}

DnsCheck::DnsCheck(asio::io_context& io, DnsCheckParams params)
    : io_(io), params_(std::move(params)), next_id_(static_cast<std::uint16_t>(std::random_device{}())) {
  if (params_.target.port == 0) params_.target.port = 53;
  build_dns_query(0, params_.type, params_.name);  // validate now, not at the first check
}

void DnsCheck::start(Clock::duration connect_timeout, Completion done) {
  // A new id per query, so a late answer to the previous one is not taken for this one.
  auto query = build_dns_query(next_id_++, params_.type, params_.name);
  auto attempt = std::make_shared<DnsAttempt>(io_, params_.target, std::move(query), std::move(done));
  asio::post(io_, [attempt, connect_timeout] { attempt->run(connect_timeout); });
}

std::string DnsCheck::describe() const {
  return "DNS_CHECK " + params_.target.describe() + " " + params_.type + " " + params_.name;
}

}  // namespace xdplb::check
