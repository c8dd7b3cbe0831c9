// The announcements of a new Master (gratuitous ARP for IPv4 VIPs, unsolicited NA for IPv6 VIPs),
// sent on an AF_PACKET socket with keepalived's timing: a burst of garp_master_repeat frames per
// address at once, a second burst garp_master_delay later (switches that missed the first while the
// link settled), then, when garp_master_refresh is set, a burst of garp_master_refresh_repeat every
// refresh interval while Master.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "vrrp/announce.h"
#include "vrrp/packet.h"

namespace xdplb::vrrp {

struct AnnounceTiming {
  std::chrono::milliseconds delay{5000};  // second burst; 0: no second burst
  unsigned repeat = 5;                    // frames per address in each of the first two bursts
  std::chrono::milliseconds refresh{0};   // 0: no periodic refresh
  unsigned refresh_repeat = 1;

  bool operator==(const AnnounceTiming&) const = default;
};

struct AnnounceTarget {
  std::string interface;  // where the frames go out (the vmac when use_vmac)
  int ifindex = 0;
  MacAddress source_mac{};
  std::optional<asio::ip::address_v6> link_local;  // NA source; needed only for IPv6 addresses
  std::vector<IpAddress> addresses;
};

class Announcer {
 public:
  // Throws std::system_error when the AF_PACKET socket cannot be opened.
  Announcer(asio::io_context& io, std::string instance, AnnounceTiming timing);
  Announcer(const Announcer&) = delete;
  Announcer& operator=(const Announcer&) = delete;

  // Becoming Master: first burst now, then the delayed burst and the refreshes. One target per
  // device the addresses live on.
  void start(std::vector<AnnounceTarget> targets);
  // Leaving Master: nothing more is sent.
  void stop();
  uint64_t frames_sent() const { return frames_sent_; }

 private:
  void burst(unsigned repeat);
  void burst_on(const AnnounceTarget& target, unsigned repeat);
  void schedule_refresh();

  std::string instance_;
  AnnounceTiming timing_;
  UniqueFd fd_;
  asio::steady_timer delay_timer_;
  asio::steady_timer refresh_timer_;
  std::vector<AnnounceTarget> targets_;
  bool active_ = false;
  uint64_t frames_sent_ = 0;
};

}  // namespace xdplb::vrrp
