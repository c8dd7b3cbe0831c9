// Parsing rtnetlink link messages, including truncated and malformed ones.
#include <doctest/doctest.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <cstring>
#include <vector>

#include "vrrp/link_monitor.h"

using namespace xdplb::vrrp;

namespace {

std::vector<uint8_t> link_message(uint16_t type, int ifindex, unsigned flags, const std::string& name) {
  const size_t attr_len = sizeof(rtattr) + name.size() + 1;
  const size_t total = NLMSG_ALIGN(sizeof(nlmsghdr)) + NLMSG_ALIGN(sizeof(ifinfomsg)) + RTA_ALIGN(attr_len);
  std::vector<uint8_t> out(total, 0);
  nlmsghdr header{};
  header.nlmsg_len = static_cast<uint32_t>(total);
  header.nlmsg_type = type;
  std::memcpy(out.data(), &header, sizeof header);
  ifinfomsg info{};
  info.ifi_index = ifindex;
  info.ifi_flags = flags;
  std::memcpy(out.data() + NLMSG_ALIGN(sizeof(nlmsghdr)), &info, sizeof info);
  rtattr attr{};
  attr.rta_len = static_cast<unsigned short>(attr_len);
  attr.rta_type = IFLA_IFNAME;
  const size_t at = NLMSG_ALIGN(sizeof(nlmsghdr)) + NLMSG_ALIGN(sizeof(ifinfomsg));
  std::memcpy(out.data() + at, &attr, sizeof attr);
  std::memcpy(out.data() + at + sizeof attr, name.c_str(), name.size() + 1);
  return out;
}

std::vector<LinkEvent> parse(const std::vector<uint8_t>& bytes) {
  std::vector<LinkEvent> events;
  parse_link_messages(bytes, [&](const LinkEvent& e) { events.push_back(e); });
  return events;
}

}  // namespace

TEST_CASE("link monitor: up, down (no carrier) and deleted links") {
  auto bytes = link_message(RTM_NEWLINK, 3, IFF_UP | IFF_RUNNING, "eth0");
  const auto down = link_message(RTM_NEWLINK, 4, IFF_UP, "eth1");
  const auto gone = link_message(RTM_DELLINK, 5, IFF_UP | IFF_RUNNING, "eth2");
  bytes.insert(bytes.end(), down.begin(), down.end());
  bytes.insert(bytes.end(), gone.begin(), gone.end());
  const auto events = parse(bytes);
  REQUIRE(events.size() == 3);
  CHECK(events[0].name == "eth0");
  CHECK(events[0].ifindex == 3);
  CHECK(events[0].usable);
  CHECK(events[1].name == "eth1");
  CHECK_FALSE(events[1].usable);
  CHECK(events[2].deleted);
  CHECK_FALSE(events[2].usable);
}

TEST_CASE("link monitor: truncated or lying lengths end the parse without reading past the end") {
  auto bytes = link_message(RTM_NEWLINK, 3, IFF_UP | IFF_RUNNING, "eth0");
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    const std::vector<uint8_t> partial(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut));
    for (const auto& e : parse(partial)) CHECK(e.name.size() <= 4);
  }
  auto lying = bytes;
  nlmsghdr header{};
  std::memcpy(&header, lying.data(), sizeof header);
  header.nlmsg_len = 4000;
  std::memcpy(lying.data(), &header, sizeof header);
  CHECK(parse(lying).empty());
}
