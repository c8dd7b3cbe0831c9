// Reads what the kernel's maps hold right now, decoded: the VIP table, a VIP's ring, a backend
// record. For checking the maps against what the agent intends (Dataplane::verify), not hot paths.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include <xdplb/abi.h>

#include "config/address.h"

namespace xdplb::dataplane {

// An address as the maps store it (network-order words, XDPLB_FAMILY_*), as a full-length prefix.
config::IpAddress address_from(const __u32 (&words)[4], std::uint8_t family);

// Every (key, value) of xdplb_vips.
std::vector<std::pair<xdplb_vip_key, xdplb_vip>> read_live_vips(int vips_fd);

// The ring in xdplb_rings[vip_id], one backend id per slot (XDPLB_NO_BACKEND for an empty slot);
// nullopt when the slot holds no ring. Its length is every slot the inner map has room for, which is
// the VIP's ring size rounded up to whole elements.
std::optional<std::vector<std::uint32_t>> read_live_ring(int rings_fd, std::uint32_t vip_id);

// Which outer slots of xdplb_rings hold a ring.
std::vector<std::uint32_t> live_ring_ids(int rings_fd);

// xdplb_backends[id]; nullopt when the lookup fails.
std::optional<xdplb_backend> read_live_backend(int backends_fd, std::uint32_t id);

// Every record of xdplb_backends, indexed by backend id (one batched read).
std::vector<xdplb_backend> read_live_backends(int backends_fd);

// Every (key, value) of xdplb_nat_reverse.
std::vector<std::pair<xdplb_nat_key, xdplb_nat_reverse>> read_live_nat_reverse(int nat_reverse_fd);

// The single xdplb_settings value.
std::optional<xdplb_settings> read_live_settings(int settings_fd);

// True when the devmap xdplb_tx_ports can redirect to ifindex.
bool live_tx_port(int tx_ports_fd, std::uint32_t ifindex);

}  // namespace xdplb::dataplane
