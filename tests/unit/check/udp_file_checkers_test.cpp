// UDP_CHECK against UDP sockets on loopback, and FILE_CHECK's verdicts and file following.
#include <doctest/doctest.h>

#include <asio/ip/udp.hpp>
#include <filesystem>
#include <fstream>

#include "check/file_check.h"
#include "check/udp_check.h"
#include "test_servers.h"

using namespace xdplb::check;
using test::run_check;

namespace {

CheckTarget loopback(std::uint16_t port) { return {asio::ip::make_address("127.0.0.1"), port, std::nullopt, 0}; }

// A UDP socket that answers every datagram with `reply` (nothing when empty).
struct UdpResponder {
  UdpResponder(asio::io_context& io, std::vector<std::uint8_t> answer)
      : socket(io, {asio::ip::make_address("127.0.0.1"), 0}), reply(std::move(answer)) {
    receive();
  }
  void receive() {
    socket.async_receive_from(asio::buffer(buffer), peer, [this](const std::error_code& ec, std::size_t) {
      if (ec) return;
      if (!reply.empty()) socket.send_to(asio::buffer(reply), peer);
      receive();
    });
  }
  std::uint16_t port() const { return socket.local_endpoint().port(); }
  asio::ip::udp::socket socket;
  std::vector<std::uint8_t> reply;
  std::array<std::uint8_t, 512> buffer{};
  asio::ip::udp::endpoint peer;
};

std::uint16_t closed_udp_port() {
  asio::io_context io;
  asio::ip::udp::socket socket(io, {asio::ip::make_address("127.0.0.1"), 0});
  return socket.local_endpoint().port();
}

}  // namespace

TEST_CASE("UDP_CHECK: a reply is up - silence is up without require_reply - a closed port is down") {
  asio::io_context io;
  UdpResponder echo(io, {0xAB, 0xCD, 0x01});
  UdpCheckParams params{loopback(echo.port()), {0x01}, true, {0xAB, 0xC0}, {0x00, 0x0F}, 0, 255};
  UdpCheck matching(io, params);
  CHECK(run_check(io, matching).healthy);

  params.reply_data = {0xAB, 0xCE};
  params.reply_mask = {};
  UdpCheck different(io, params);
  auto outcome = run_check(io, different);
  CHECK_FALSE(outcome.healthy);
  CHECK(outcome.reason.find("differs") != std::string::npos);

  params.reply_data = {};
  params.max_reply_length = 2;
  UdpCheck too_long(io, params);
  CHECK_FALSE(run_check(io, too_long).healthy);

  UdpResponder silent(io, {});
  UdpCheck needs_reply(io, {loopback(silent.port()), {}, true, {}, {}, 0, 255});
  outcome = run_check(io, needs_reply, 200ms);
  CHECK_FALSE(outcome.healthy);
  CHECK(outcome.reason.find("no reply") != std::string::npos);
  UdpCheck no_reply_needed(io, {loopback(silent.port()), {}, false, {}, {}, 0, 255});
  CHECK(run_check(io, no_reply_needed, 200ms).healthy);

  UdpCheck refused(io, {loopback(closed_udp_port()), {0x00}, false, {}, {}, 0, 255});
  outcome = run_check(io, refused, 1000ms);
  CHECK_FALSE(outcome.healthy);
  CHECK(outcome.reason.find("refused") != std::string::npos);
}

TEST_CASE("FILE_CHECK: verdicts as keepalived 2.2.7 gives them") {
  FileCheckParams weight0{"f", "/nonexistent", 0, false, 10};
  CHECK(file_check_verdict(weight0, 0).healthy);
  CHECK_FALSE(file_check_verdict(weight0, 3).healthy);
  weight0.reverse = true;
  CHECK_FALSE(file_check_verdict(weight0, 0).healthy);
  CHECK(file_check_verdict(weight0, -1).healthy);

  FileCheckParams weighted{"f", "/nonexistent", 2, false, 10};
  CHECK(file_check_verdict(weighted, 5).weight == 20u);
  CHECK(file_check_verdict(weighted, -4).weight == 2u);
  CHECK(file_check_verdict(weighted, -100).weight == 0u);
  CHECK_FALSE(file_check_verdict(weighted, -40000).healthy);
  weighted.reverse = true;
  CHECK(file_check_verdict(weighted, -4).weight == 18u);
}

TEST_CASE("FILE_CHECK: follows the file - written in place and renamed into place") {
  const auto dir = std::filesystem::temp_directory_path() / ("xdplb-file-check-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "state").string();
  std::ofstream(path) << "0\n";
  asio::io_context io;
  FileCheck check(io, {"state", path, 0, false, 1});
  CHECK(run_check(io, check).healthy);

  std::optional<CheckOutcome> outcome;
  check.start(1s, [&](CheckOutcome o) { outcome = std::move(o); });
  io.restart();
  io.run_for(50ms);
  CHECK_FALSE(outcome);  // nothing changed: the check waits
  { std::ofstream(path) << "1\n"; }
  for (int i = 0; i < 40 && !outcome; ++i) io.run_for(25ms);
  REQUIRE(outcome);
  CHECK_FALSE(outcome->healthy);

  outcome.reset();
  check.start(1s, [&](CheckOutcome o) { outcome = std::move(o); });
  { std::ofstream(dir / "state.tmp") << "0\n"; }
  std::filesystem::rename(dir / "state.tmp", path);
  for (int i = 0; i < 40 && !outcome; ++i) io.run_for(25ms);
  REQUIRE(outcome);
  CHECK(outcome->healthy);
  std::filesystem::remove_all(dir);
}
