// Writes the seed corpus of fuzz_vrrp: programs in the target's byte language (vrrp_fuzz_format.h)
// whose packets are real adverts made by the codec's encoder, one seed per wire form the decoder
// accepts (v2 over IPv4 without and with PASS, v3 over IPv4 with either checksum coverage, v3 over
// IPv6) and a few elections (preemption, resignation, address owner, unicast).
//   fuzz_vrrp_seeds DIRECTORY
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "vrrp/packet.h"
#include "vrrp_fuzz_format.h"

namespace {

using namespace xdplb::vrrp;
using namespace xdplb::fuzz::vrrp_format;
using Bytes = std::vector<std::uint8_t>;

constexpr std::uint8_t kVrid = 51;

IpAddress address(const char* text) {
  return asio::ip::make_address(text);
}

struct Form {
  Version version;
  bool ipv6;
  AuthType auth;
  bool checksum_as_v2;
};

Bytes header(const Form& form, std::uint8_t priority, std::uint8_t extra_flags = 0) {
  std::uint8_t flags = extra_flags;
  if (form.version == Version::v3) flags |= kV3;
  if (form.ipv6) flags |= kIpv6;
  if (form.auth == AuthType::simple_password) flags |= kAuthPass;
  // 1 s for both versions: v2 reads 1 + 0, v3 reads (1 + 99) x 10 ms. One VIP, no preempt_delay.
  const std::uint8_t interval_low = form.version == Version::v3 ? 99 : 0;
  return {flags, kVrid, priority, 0, interval_low, 0, 1, 0};
}

// An advert of `form` from the target's peer A (198.18.0.2 / fd00::2) to the multicast group.
Bytes packet_op(const Form& form, std::uint8_t priority) {
  Advertisement advert;
  advert.version = form.version;
  advert.vrid = kVrid;
  advert.priority = priority;
  advert.advert_interval = Centiseconds(100);
  advert.auth_type = form.auth;
  if (form.auth == AuthType::simple_password) advert.auth_data = make_password("secret");
  advert.addresses = {address(form.ipv6 ? "fd00::100" : "198.18.0.100")};
  const IpAddress source = address(form.ipv6 ? "fd00::2" : "198.18.0.2");
  EncodeOptions options;
  options.v3_checksum_as_v2 = form.checksum_as_v2;
  const Bytes message = encode_advertisement(advert, source, vrrp_multicast_group(form.ipv6), options);
  Bytes op = {kOpPacket, kPeerA, kGroup, 0, kChecksumKeep, static_cast<std::uint8_t>(message.size() >> 8),
              static_cast<std::uint8_t>(message.size())};
  op.insert(op.end(), message.begin(), message.end());
  return op;
}

Bytes advance_ms(unsigned milliseconds) {
  return {kOpAdvance, static_cast<std::uint8_t>(milliseconds >> 8), static_cast<std::uint8_t>(milliseconds)};
}

Bytes crafted(std::uint8_t variations, std::uint8_t priority, Source source) {
  return {kOpCraftedAdvert, variations, priority, source};
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

void write(const std::filesystem::path& directory, const std::string& name, const Bytes& seed) {
  std::ofstream out(directory / name, std::ios::binary);
  out.write(reinterpret_cast<const char*>(seed.data()), static_cast<std::streamsize>(seed.size()));
  if (!out) throw std::runtime_error("cannot write " + (directory / name).string());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIRECTORY\n", argv[0]);
    return 2;
  }
  const std::filesystem::path directory = argv[1];
  std::filesystem::create_directories(directory);

  const Form forms[] = {
      {Version::v2, false, AuthType::none, false},
      {Version::v2, false, AuthType::simple_password, false},
      {Version::v3, false, AuthType::none, false},
      {Version::v3, false, AuthType::none, true},
      {Version::v3, true, AuthType::none, false},
  };
  const char* names[] = {"v2-ipv4", "v2-ipv4-pass", "v3-ipv4", "v3-ipv4-checksum-as-v2", "v3-ipv6"};
  const Bytes start = {kOpStart};
  for (std::size_t i = 0; i < std::size(forms); ++i) {
    const Form& form = forms[i];
    // A higher-priority master keeps us Backup; then it resigns and we take over.
    write(directory, std::string(names[i]) + "-backup-then-master",
          concat({header(form, 100), start, packet_op(form, 200), advance_ms(1000), packet_op(form, 200),
                  packet_op(form, 0), advance_ms(5000)}));
    // We become Master alone, then hear a better router and step down; then a worse one.
    write(directory, std::string(names[i]) + "-master-yields",
          concat({header(form, 100), start, advance_ms(5000), packet_op(form, 200), advance_ms(500),
                  packet_op(form, 50), advance_ms(5000)}));
  }
  const Form v3 = forms[2];
  write(directory, "address-owner", concat({header(v3, 255), start, packet_op(v3, 255), advance_ms(3000)}));
  write(directory, "unicast-stranger-and-peer",
        concat({header(v3, 100, kUnicast), start, crafted(0, 200, kStranger), crafted(0, 200, kPeerB),
                advance_ms(10000), {kOpShutdown}}));
  write(directory, "tracking-fault-and-sync-group",
        concat({header(v3, 100, kTracked | kInitialMaster), start, advance_ms(2000), {kOpTracked, 0x01},
                {kOpTracked, 0x03}, {kOpSyncGroup, 3}, {kOpSyncGroup, 1}, {kOpInterface, 0}, {kOpInterface, 1},
                advance_ms(5000)}));
  write(directory, "preempt-delay-lower-priority",
        concat({Bytes{kV3, kVrid, 150, 0, 99, 0x80 | 30, 1, 0}, start, crafted(0, 100, kPeerA), advance_ms(2000),
                crafted(0, 100, kPeerA), {kOpToDeadline, 1}, {kOpFireTimer, 1}}));
  std::printf("wrote the fuzz_vrrp seeds to %s\n", directory.c_str());
  return 0;
}
