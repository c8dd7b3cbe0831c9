// A raw IPPROTO_VRRP (112) socket on one interface and one address family, on the agent's Asio
// loop. It is shared by every instance on that interface and family (the runtime dispatches by
// VRID): it joins the multicast groups of the instances that run multicast (224.0.0.18 / ff02::12
// unless configured otherwise) and hears no other group, sends with TTL / hop limit 255 from the
// source each packet names, and hands over every received VRRP message with the IP facts the codec
// needs (source, destination, TTL / hop limit).
#pragma once

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>

#include <cstdint>
#include <functional>
#include <set>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "vrrp/packet.h"

namespace xdplb::vrrp {

struct ReceivedPacket {
  ReceivedIpFacts ip;
  std::vector<uint8_t> message;  // the VRRP message, IP header stripped
};

class VrrpSocket {
 public:
  using ReceiveHandler = std::function<void(const ReceivedPacket&)>;

  // Opens, binds to the device (SO_BINDTODEVICE) and sets the TTL / hop limit options. Throws
  // std::system_error naming the interface.
  VrrpSocket(asio::io_context& io, std::string interface, int ifindex, bool ipv6);
  ~VrrpSocket();
  VrrpSocket(const VrrpSocket&) = delete;
  VrrpSocket& operator=(const VrrpSocket&) = delete;

  // Joins / leaves a multicast group on the interface (both idempotent). join throws
  // std::system_error naming the group; leave only logs a failure.
  void join(const IpAddress& group);
  void leave(const IpAddress& group);
  const std::set<IpAddress>& groups() const { return joined_; }
  // Starts the receive loop; the handler runs on the loop for every packet.
  void start(ReceiveHandler handler);
  // Sends one VRRP message (without IP header) from `source` to `destination`.
  std::error_code send(std::span<const uint8_t> message, const IpAddress& source, const IpAddress& destination);

  const std::string& interface() const { return interface_; }
  bool ipv6() const { return ipv6_; }
  uint64_t received() const { return received_; }
  uint64_t malformed() const { return malformed_; }

 private:
  void wait_readable();
  void drain();

  std::string interface_;
  int ifindex_;
  bool ipv6_;
  std::set<IpAddress> joined_;
  asio::posix::stream_descriptor descriptor_;
  ReceiveHandler handler_;
  uint64_t received_ = 0;
  uint64_t malformed_ = 0;
};

}  // namespace xdplb::vrrp
