#include "vrrp/announcer.h"

#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace xdplb::vrrp {

Announcer::Announcer(asio::io_context& io, std::string instance, AnnounceTiming timing)
    : instance_(std::move(instance)),
      timing_(timing),
      // Protocol 0: a send-only socket, it receives nothing.
      fd_(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)),
      delay_timer_(io),
      refresh_timer_(io) {
  if (!fd_) throw std::system_error(errno, std::system_category(), "(" + instance_ + ") AF_PACKET socket");
}

void Announcer::start(std::vector<AnnounceTarget> targets) {
  stop();
  targets_ = std::move(targets);
  active_ = true;
  burst(timing_.repeat);
  if (timing_.delay.count() > 0) {
    delay_timer_.expires_after(timing_.delay);
    delay_timer_.async_wait([this](const std::error_code& ec) {
      if (ec || !active_) return;
      burst(timing_.repeat);
      schedule_refresh();
    });
  } else {
    schedule_refresh();
  }
}

void Announcer::stop() {
  active_ = false;
  delay_timer_.cancel();
  refresh_timer_.cancel();
}

void Announcer::schedule_refresh() {
  if (timing_.refresh.count() <= 0 || !active_) return;
  refresh_timer_.expires_after(timing_.refresh);
  refresh_timer_.async_wait([this](const std::error_code& ec) {
    if (ec || !active_) return;
    burst(timing_.refresh_repeat);
    schedule_refresh();
  });
}

void Announcer::burst(unsigned repeat) {
  if (!active_) return;
  for (const auto& target : targets_) burst_on(target, repeat);
}

void Announcer::burst_on(const AnnounceTarget& target, unsigned repeat) {
  std::vector<std::vector<uint8_t>> frames;
  for (const auto& address : target.addresses) {
    try {
      if (address.is_v4()) {
        frames.push_back(build_gratuitous_arp(target.source_mac, address.to_v4()));
      } else if (target.link_local) {
        frames.push_back(build_unsolicited_na(target.source_mac, *target.link_local, address.to_v6()));
      } else {
        spdlog::warn("({}) no link-local address on {}: no neighbour advertisement for {}", instance_,
                     target.interface, address.to_string());
      }
    } catch (const std::invalid_argument& e) {
      spdlog::warn("({}) not announcing {}: {}", instance_, address.to_string(), e.what());
    }
  }
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = target.ifindex;
  to.sll_halen = 6;
  unsigned sent = 0;
  for (unsigned round = 0; round < repeat; ++round) {
    for (const auto& frame : frames) {
      // The frame carries its own Ethernet header; sll_protocol/address only satisfy the API.
      uint16_t ethertype = 0;
      std::memcpy(&ethertype, frame.data() + 12, sizeof ethertype);
      to.sll_protocol = ethertype;
      std::memcpy(to.sll_addr, frame.data(), 6);
      if (::sendto(fd_.get(), frame.data(), frame.size(), MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&to),
                   sizeof to) < 0) {
        spdlog::warn("({}) announcement on {} failed: {}", instance_, target.interface, std::strerror(errno));
        continue;
      }
      ++sent;
    }
  }
  frames_sent_ += sent;
  spdlog::debug("({}) sent {} gratuitous ARP/NA frame(s) on {}", instance_, sent, target.interface);
}

}  // namespace xdplb::vrrp
