// The byte language of the VRRP fuzz target (vrrp_fuzz.cpp), shared with its seed generator
// (vrrp_seeds.cpp) so that seeds written from real encoded adverts stay readable by the target.
//
// An input is a configuration header followed by operations until the input runs out:
//
//   header (kHeaderBytes):
//     [0] flags       kV3 kIpv6 kNoPreempt kInitialMaster kAuthPass kUnicast kTracked
//     [1] VRID        0 reads as 1
//     [2] priority    0 reads as 1; 255 is the address owner
//     [3][4] interval v2: 1 + [3] % 255 s; v3: (1 + ([3] << 8 | [4]) % 4095) x 10 ms
//     [5] preempt     bit 7 set: preempt_delay = ([5] & 0x7f) x 100 ms
//     [6] VIPs        [6] % 4 addresses; bit 5, 6: tracked objects start failed; bit 7: reverse
//     [7] weight      of the weighted tracked object, as int8
//
//   operations (first byte % kOpCount, then its arguments):
//     kOpPacket        src, dst, ttl_flag [, ttl], checksum_mode, u16 length, bytes
//     kOpCraftedAdvert variations, priority, src
//     kOpAdvance       u16: bit 15 set = (bits 0..14) x 20 ms, else bits 0..14 ms; fires due timers
//     kOpFireTimer     kind: a late, early, repeated or cancelled firing at the current time
//     kOpInterface     up flag
//     kOpTracked       object (bit 0), healthy (bit 1)
//     kOpSyncGroup     state % 4 (initialize, backup, master, fault)
//     kOpStart, kOpShutdown
//     kOpToDeadline    delta: the clock goes to the next deadline + (delta % 3 - 1) ms
#pragma once

#include <cstddef>
#include <cstdint>

namespace xdplb::fuzz::vrrp_format {

inline constexpr std::size_t kHeaderBytes = 8;

inline constexpr std::uint8_t kV3 = 1 << 0;
inline constexpr std::uint8_t kIpv6 = 1 << 1;  // only with kV3
inline constexpr std::uint8_t kNoPreempt = 1 << 2;
inline constexpr std::uint8_t kInitialMaster = 1 << 3;
inline constexpr std::uint8_t kAuthPass = 1 << 4;  // only without kV3
inline constexpr std::uint8_t kUnicast = 1 << 5;
inline constexpr std::uint8_t kTracked = 1 << 6;

enum Op : std::uint8_t {
  kOpPacket,
  kOpCraftedAdvert,
  kOpAdvance,
  kOpFireTimer,
  kOpInterface,
  kOpTracked,
  kOpSyncGroup,
  kOpStart,
  kOpShutdown,
  kOpToDeadline,
  kOpCount,
};

// Packet sources (src % kSourceCount): our own primary address (a multicast echo), the two
// unicast peers, an address that is not a peer, an address of the other family.
enum Source : std::uint8_t { kSelf, kPeerA, kPeerB, kStranger, kOtherFamily, kSourceCount };

// Packet destinations (dst % kDestinationCount).
enum Destination : std::uint8_t { kGroup, kUnicastToUs, kOtherFamilyDestination, kDestinationCount };

// checksum_mode: 0 keeps the bytes as they are; 1 and 2 write a valid checksum over the VRRP
// message alone (1) or with the pseudo-header (2), so random content gets past the checksum.
inline constexpr std::uint8_t kChecksumKeep = 0;
inline constexpr std::uint8_t kChecksumMessage = 1;
inline constexpr std::uint8_t kChecksumPseudoHeader = 2;

inline constexpr std::size_t kMaxPacketBytes = 1200;

}  // namespace xdplb::fuzz::vrrp_format
