// A Dataplane with a fake neighbour table, for packet-in/packet-out tests of the whole XDP program.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/dataplane.h"
#include "support/packet_builder.h"
#include "support/xdp_test_run.h"

namespace xdplb::test {

inline constexpr Mac kIfaceMac{0x02, 0, 0, 0, 0, 0xaa};
inline constexpr Mac kClientMac{0x02, 0, 0, 0, 0, 0xcc};

// Backend n (1-based) of a test lab: 198.18.0.1n / fd00::1n with MAC 02:00:00:00:0b:0n.
std::string backend_ip(int n, bool v6 = false);
Mac backend_mac(int n);

class FakeNextHops : public dataplane::NextHopResolver {
 public:
  void refresh() override {}
  std::optional<dataplane::NextHop> resolve(const config::IpAddress& address) override;
  // Makes `ip` resolvable to `mac` behind `ifindex`.
  void add(const std::string& ip, const Mac& mac, int ifindex);
  void remove(const std::string& ip);

 private:
  std::map<std::string, dataplane::NextHop> table_;
};

dataplane::BackendSpec backend(const std::string& ip, uint16_t port = 80, uint32_t weight = 1);
dataplane::VipSpec vip(const std::string& ip, uint16_t port, std::vector<dataplane::BackendSpec> backends,
                       uint8_t proto = 6);

class LbFixture {
 public:
  // A fresh data plane under a unique pin directory, removed at the end.
  explicit LbFixture(std::string instance = {});
  ~LbFixture();

  dataplane::Dataplane& dp() { return *dp_; }
  FakeNextHops& hops() { return *hops_; }
  // Registers backends 1..n (IPv4 and IPv6) behind `ifindex` (1: loopback = the ingress of a test run).
  void add_backends(int n, int ifindex = 1);
  void sync(const std::vector<dataplane::VipSpec>& vips);

  XdpRunResult run(const std::vector<uint8_t>& frame, uint32_t ingress_ifindex = 0);
  // Which backend (1-based) a forwarded frame was sent to, by its destination MAC; 0 if none.
  static int backend_of(const XdpRunResult& r);
  xdplb_counter verdict(xdplb_reason reason);

  const std::string& instance() const { return instance_; }
  // Destroys the data plane keeping the pins, for restart tests; the next LbFixture with the same
  // instance adopts them.
  void stop_keeping_pins();

 private:
  std::string instance_;
  FakeNextHops* hops_ = nullptr;
  std::unique_ptr<dataplane::Dataplane> dp_;
};

// A TCP/UDP frame from client `n` (198.18.1.n / fd00:1::n, source port `sport`) to ip:port.
std::vector<uint8_t> client_frame(const std::string& dst, uint16_t dport, uint16_t sport, int client = 1,
                                  uint8_t proto = 6);

// Moves this process into a private network namespace holding a veth pair; returns the
// ifindex of one end (for redirect tests: a devmap only takes interfaces that exist).
int private_netns_dummy_ifindex();

}  // namespace xdplb::test
