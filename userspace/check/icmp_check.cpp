#include "check/icmp_check.h"

#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <linux/icmp.h>  // ICMP_FILTER
#include <sys/socket.h>

#include <array>
#include <asio/generic/datagram_protocol.hpp>
#include <asio/ip/udp.hpp>
#include <asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <random>

#include "check/attempt.h"

namespace xdplb::check {
namespace {

constexpr std::uint8_t kEchoRequestV4 = 8, kEchoReplyV4 = 0;
constexpr std::uint8_t kEchoRequestV6 = 128, kEchoReplyV6 = 129;
constexpr std::size_t kEchoHeaderBytes = 8;
constexpr std::size_t kTokenBytes = 16;

class IcmpAttempt final : public Attempt<IcmpAttempt> {
 public:
  IcmpAttempt(asio::io_context& io, const CheckTarget& target, std::uint16_t identifier, std::uint16_t sequence,
              Checker::Completion done)
      : Attempt(io, std::move(done)), target_(target), identifier_(identifier), sequence_(sequence), socket_(io) {
    std::random_device random;
    for (auto& byte : token_) byte = static_cast<std::uint8_t>(random());
  }

  void run(Clock::duration timeout) {
    if (!open_socket()) return;
    auto request = build_request();
    arm_deadline(timeout, "no ICMP echo reply from " + target_.address.to_string() + " within connect_timeout");
    asio::ip::udp::endpoint destination(target_.address, 0);  // only its sockaddr is used
    socket_.async_send_to(asio::buffer(*request), asio::generic::datagram_protocol::endpoint(destination),
                          [self = shared_from_this(), request](const std::error_code& ec, std::size_t) {
                            if (self->finished()) return;
                            if (ec) {
                              return self->fail("ICMP echo to " + self->target_.address.to_string() +
                                                " could not be sent: " + ec.message());
                            }
                            self->receive();
                          });
  }

 private:
  bool v6() const { return target_.address.is_v6(); }

  bool open_socket() {
    int family = v6() ? AF_INET6 : AF_INET;
    int protocol = v6() ? static_cast<int>(IPPROTO_ICMPV6) : static_cast<int>(IPPROTO_ICMP);
    int fd = ::socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
    raw_ = fd >= 0;
    if (fd < 0 && (errno == EPERM || errno == EACCES)) {
      fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
    }
    if (fd < 0) {
      fail(std::string("cannot open an ICMP socket: ") + std::strerror(errno));
      return false;
    }
    std::error_code ec;
    socket_.assign(asio::generic::datagram_protocol(family, protocol), fd, ec);
    if (ec) {
      ::close(fd);
      fail("cannot use ICMP socket: " + ec.message());
      return false;
    }
    // A raw socket sees every ICMP message of the host; let the kernel pass only echo replies.
    if (raw_ && !v6()) {
      std::uint32_t filter = ~(1U << kEchoReplyV4);
      ::setsockopt(fd, SOL_RAW, ICMP_FILTER, &filter, sizeof filter);
    } else if (raw_) {
      icmp6_filter filter;
      ICMP6_FILTER_SETBLOCKALL(&filter);
      ICMP6_FILTER_SETPASS(kEchoReplyV6, &filter);
      ::setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter);
    }
    if (target_.bindto) {
      asio::ip::udp::endpoint source(*target_.bindto, 0);
      socket_.bind(asio::generic::datagram_protocol::endpoint(source), ec);
      if (ec) {
        fail("cannot bind ICMP socket to " + target_.bindto->to_string() + ": " + ec.message());
        return false;
      }
    }
    return true;
  }

  std::shared_ptr<std::vector<std::uint8_t>> build_request() const {
    auto packet = std::make_shared<std::vector<std::uint8_t>>(kEchoHeaderBytes + kTokenBytes, 0);
    auto& p = *packet;
    p[0] = v6() ? kEchoRequestV6 : kEchoRequestV4;
    p[4] = static_cast<std::uint8_t>(identifier_ >> 8);
    p[5] = static_cast<std::uint8_t>(identifier_ & 0xff);
    p[6] = static_cast<std::uint8_t>(sequence_ >> 8);
    p[7] = static_cast<std::uint8_t>(sequence_ & 0xff);
    std::memcpy(p.data() + kEchoHeaderBytes, token_.data(), kTokenBytes);
    // The kernel fills the ICMPv6 checksum (it covers a pseudo-header) and that of datagram sockets.
    if (!v6()) {
      std::uint16_t sum = internet_checksum(p.data(), p.size());
      std::memcpy(p.data() + 2, &sum, sizeof sum);
    }
    return packet;
  }

  void receive() {
    socket_.async_receive_from(asio::buffer(reply_), sender_, [self = shared_from_this()](const std::error_code& ec,
                                                                                          std::size_t n) {
      if (self->finished()) return;
      if (ec) return self->fail("ICMP receive failed: " + ec.message());
      if (self->is_our_reply(n)) {
        return self->succeed("ICMP echo reply from " + self->target_.address.to_string());
      }
      self->receive();  // someone else's echo reply: raw sockets see all of them
    });
  }

  bool is_our_reply(std::size_t size) const {
    const std::uint8_t* icmp = reply_.data();
    // IPv4 raw sockets deliver the IP header too.
    if (raw_ && !v6()) {
      if (size < 20) return false;
      std::size_t header = static_cast<std::size_t>(reply_[0] & 0x0f) * 4;
      if (size < header) return false;
      icmp += header;
      size -= header;
    }
    if (size < kEchoHeaderBytes + kTokenBytes) return false;
    if (icmp[0] != (v6() ? kEchoReplyV6 : kEchoReplyV4) || icmp[1] != 0) return false;
    // Datagram sockets rewrite the identifier to their port; the sequence and token still match.
    std::uint16_t id = static_cast<std::uint16_t>((icmp[4] << 8) | icmp[5]);
    std::uint16_t seq = static_cast<std::uint16_t>((icmp[6] << 8) | icmp[7]);
    if (raw_ && id != identifier_) return false;
    if (seq != sequence_) return false;
    if (std::memcmp(icmp + kEchoHeaderBytes, token_.data(), kTokenBytes) != 0) return false;
    return sender_address() == target_.address;
  }

  asio::ip::address sender_address() const {
    const sockaddr* sa = sender_.data();
    if (sa->sa_family == AF_INET) {
      sockaddr_in sin;
      std::memcpy(&sin, sa, sizeof sin);
      asio::ip::address_v4::bytes_type bytes;
      std::memcpy(bytes.data(), &sin.sin_addr, bytes.size());
      return asio::ip::address_v4(bytes);
    }
    sockaddr_in6 sin6;
    std::memcpy(&sin6, sa, sizeof sin6);
    asio::ip::address_v6::bytes_type bytes;
    std::memcpy(bytes.data(), &sin6.sin6_addr, bytes.size());
    return asio::ip::address_v6(bytes, sin6.sin6_scope_id);
  }

  void abort_io() override {
    std::error_code ignored;
    socket_.close(ignored);
  }

  CheckTarget target_;
  std::uint16_t identifier_;
  std::uint16_t sequence_;
  std::array<std::uint8_t, kTokenBytes> token_{};
  asio::generic::datagram_protocol::socket socket_;
  bool raw_ = false;
  std::array<std::uint8_t, 2048> reply_{};
  asio::generic::datagram_protocol::endpoint sender_;
};

}  // namespace

std::uint16_t internet_checksum(const std::uint8_t* data, std::size_t size) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < size; i += 2) {
    std::uint16_t word;
    std::memcpy(&word, data + i, sizeof word);
    sum += word;
  }
  if (size % 2 != 0) {
    std::uint16_t last = 0;
    std::memcpy(&last, data + size - 1, 1);
    sum += last;
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

IcmpCheck::IcmpCheck(asio::io_context& io, IcmpCheckParams params)
    : io_(io), params_(std::move(params)), identifier_(static_cast<std::uint16_t>(std::random_device{}())) {}

void IcmpCheck::start(Clock::duration connect_timeout, Completion done) {
  auto attempt = std::make_shared<IcmpAttempt>(io_, params_.target, identifier_, ++sequence_, std::move(done));
  asio::post(io_, [attempt, connect_timeout] { attempt->run(connect_timeout); });
}

std::string IcmpCheck::describe() const { return "PING_CHECK " + params_.target.address.to_string(); }

}  // namespace xdplb::check
