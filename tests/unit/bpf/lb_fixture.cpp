#include "lb_fixture.h"

#include <net/if.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include <doctest/doctest.h>

#include "dataplane/xdp_program.h"

namespace xdplb::test {

std::string backend_ip(int n, bool v6) { return v6 ? "fd00::1" + std::to_string(n) : "198.18.0.1" + std::to_string(n); }

Mac backend_mac(int n) { return {0x02, 0, 0, 0, 0x0b, static_cast<uint8_t>(n)}; }

std::optional<dataplane::NextHop> FakeNextHops::resolve(const config::IpAddress& address) {
  auto it = table_.find(address.to_string());
  if (it == table_.end()) return std::nullopt;
  return it->second;
}

void FakeNextHops::add(const std::string& ip, const Mac& mac, int ifindex) {
  table_[config::IpAddress::parse(ip)->to_string()] = dataplane::NextHop{ifindex, mac, kIfaceMac};
}

void FakeNextHops::remove(const std::string& ip) { table_.erase(config::IpAddress::parse(ip)->to_string()); }

dataplane::BackendSpec backend(const std::string& ip, uint16_t port, uint32_t weight) {
  dataplane::BackendSpec b;
  b.address = *config::IpAddress::parse(ip);
  b.port = port;
  b.weight = weight;
  return b;
}

dataplane::VipSpec vip(const std::string& ip, uint16_t port, std::vector<dataplane::BackendSpec> backends,
                       uint8_t proto) {
  dataplane::VipSpec v;
  v.address = *config::IpAddress::parse(ip);
  v.port = port;
  v.protocol = proto;
  v.backends = std::move(backends);
  return v;
}

LbFixture::LbFixture(std::string instance) {
  static std::atomic<int> counter{0};
  instance_ = instance.empty() ? "unit-" + std::to_string(getpid()) + "-" + std::to_string(counter++) : instance;
  auto hops = std::make_unique<FakeNextHops>();
  hops_ = hops.get();
  dataplane::DataplaneOptions options;
  options.instance = instance_;
  options.map_sizes.conntrack = 65536;
  // Tests send thousands of new flows at once and expect each recorded: no flood guard unless a test
  // sets one (its auto rate would depend on the machine's CPU count).
  options.flood_rate = 0;
  dp_ = std::make_unique<dataplane::Dataplane>(options, std::move(hops));
}

LbFixture::~LbFixture() = default;

void LbFixture::stop_keeping_pins() {
  dp_->keep_pins_on_exit(true);
  dp_.reset();
}

void LbFixture::add_backends(int n, int ifindex) {
  for (int i = 1; i <= n; ++i) {
    hops_->add(backend_ip(i), backend_mac(i), ifindex);
    hops_->add(backend_ip(i, true), backend_mac(i), ifindex);
  }
}

void LbFixture::sync(const std::vector<dataplane::VipSpec>& vips) {
  const auto report = dp_->sync(vips);
  for (const auto& r : report.refused) MESSAGE("refused: " << r);
}

XdpRunResult LbFixture::run(const std::vector<uint8_t>& frame, uint32_t ingress_ifindex) {
  return run_xdp(dp_->program().program_fd(), frame, 1, ingress_ifindex);
}

int LbFixture::backend_of(const XdpRunResult& r) {
  if (r.packet.size() < 12) return 0;
  for (int n = 1; n < 64; ++n) {
    const Mac m = backend_mac(n);
    if (std::equal(m.begin(), m.end(), r.packet.begin())) return n;
  }
  return 0;
}

xdplb_counter LbFixture::verdict(xdplb_reason reason) {
  return dataplane::read_percpu_counter(dp_->program().verdicts_map_fd(), reason);
}

std::vector<uint8_t> client_frame(const std::string& dst, uint16_t dport, uint16_t sport, int client, uint8_t proto) {
  FrameSpec s;
  s.src_mac = kClientMac;
  s.dst_mac = kIfaceMac;
  const bool v6 = dst.find(':') != std::string::npos;
  s.src_ip = v6 ? "fd00:1::" + std::to_string(client) : "198.18.1." + std::to_string(client);
  s.dst_ip = dst;
  s.sport = sport;
  s.dport = dport;
  s.proto = proto;
  s.tcp_flags = 0x18;  // PSH|ACK: a segment of an established connection (a SYN skips the conntrack lookup)
  s.payload = {'h', 'e', 'l', 'l', 'o'};
  return build_frame(s);
}

int private_netns_dummy_ifindex() {
  static const int ifindex = [] {
    if (unshare(CLONE_NEWNET) != 0) throw std::runtime_error("unshare(CLONE_NEWNET) failed");
    if (std::system("ip link add xdplb-d0 type veth peer name xdplb-d1 && ip link set xdplb-d0 up") != 0)
      throw std::runtime_error("creating a veth pair in a private namespace failed");
    return static_cast<int>(if_nametoindex("xdplb-d0"));
  }();
  return ifindex;
}

}  // namespace xdplb::test
