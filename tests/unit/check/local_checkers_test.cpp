// DNS_CHECK against dnsmasq, PING_CHECK on loopback and in a private namespace, MISC_CHECK scripts,
// and the scheduler driving real checks.
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "check/dns_check.h"
#include "check/icmp_check.h"
#include "check/misc_check.h"
#include "check/scheduler.h"
#include "check/tcp_check.h"
#include "test_servers.h"

using namespace xdplb::check;
using test::run_check;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::uint16_t free_udp_port() {
  asio::io_context io;
  asio::ip::udp::socket socket(io, {asio::ip::make_address("127.0.0.1"), 0});
  return socket.local_endpoint().port();
}

// dnsmasq answering test.example from its own config only, killed by PID when the test ends.
struct Dnsmasq {
  explicit Dnsmasq(std::uint16_t port) {
    pid = ::fork();
    if (pid == 0) {
      std::string port_arg = "--port=" + std::to_string(port);
      ::execl("/usr/sbin/dnsmasq", "dnsmasq", "--no-daemon", "--conf-file=/dev/null", port_arg.c_str(),
              "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
              "--address=/test.example/198.18.0.5", "--pid-file", "--log-facility=/dev/null",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~Dnsmasq() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
  }
  pid_t pid;
};

DnsCheckParams dns(std::uint16_t port, std::string type, std::string name) {
  return {{asio::ip::make_address("127.0.0.1"), port, std::nullopt, 0}, std::move(type), std::move(name)};
}

}  // namespace

TEST_CASE("DNS_CHECK: queries are encoded as RFC 1035 says and bad ones refused") {
  auto query = build_dns_query(0x1234, "a", "test.example");
  std::vector<std::uint8_t> expected = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 4, 't', 'e', 's', 't',
                                        7,    'e',  'x',  'a',  'm', 'p', 'l', 'e', 0, 0, 1, 0, 1};
  CHECK(query == expected);
  CHECK(build_dns_query(1, "SOA", ".").size() == 12 + 1 + 4);
  CHECK_THROWS_AS(build_dns_query(1, "SRVX", "a"), std::invalid_argument);
  CHECK_THROWS_AS(build_dns_query(1, "A", "a..b"), std::invalid_argument);
  CHECK_THROWS_AS(build_dns_query(1, "A", std::string(64, 'x') + ".example"), std::invalid_argument);
  CHECK_THROWS_AS(build_dns_query(1, "A", ""), std::invalid_argument);
  std::string long_name;
  for (int i = 0; i < 5; ++i) long_name += std::string(60, 'x') + ".";
  CHECK_THROWS_AS(build_dns_query(1, "A", long_name), std::invalid_argument);

  // Responses: our id, QR set, NOERROR, our question, at least one answer.
  auto response = query;
  response[2] = 0x81;
  response[3] = 0x80;
  CHECK(check_dns_response(query, response.data(), response.size()) == "no answer record");
  response[7] = 1;
  CHECK(check_dns_response(query, response.data(), response.size()).empty());
  auto nx = response;
  nx[3] = 0x83;
  CHECK(check_dns_response(query, nx.data(), nx.size()) == "rcode NXDOMAIN");
  auto other = response;
  other[14] = 'X';
  CHECK(check_dns_response(query, other.data(), other.size()) == "response is for another question");
  other[14] = 'E';  // case does not matter
  CHECK(check_dns_response(query, other.data(), other.size()).empty());
  CHECK_FALSE(check_dns_response(query, response.data(), 5).empty());
}

TEST_CASE("DNS_CHECK: a real answer from dnsmasq is up - no answer - NXDOMAIN-like and silence are down") {
  if (::access("/usr/sbin/dnsmasq", X_OK) != 0) {
    FAIL("dnsmasq is not installed (Debian package dnsmasq-base)");
  }
  auto port = free_udp_port();
  Dnsmasq server(port);
  asio::io_context io;
  DnsCheck check(io, dns(port, "A", "test.example"));
  // dnsmasq needs a moment to bind: poll with a deadline.
  CheckOutcome outcome;
  auto deadline = Clock::now() + 5s;
  do {
    outcome = run_check(io, check, 200ms);
  } while (!outcome.healthy && Clock::now() < deadline);
  CHECK(outcome.healthy);

  DnsCheck no_aaaa(io, dns(port, "AAAA", "test.example"));
  outcome = run_check(io, no_aaaa, 500ms);
  CHECK_FALSE(outcome.healthy);
  // dnsmasq has no AAAA for the name and no upstream to ask: it refuses rather than answer empty.
  CHECK_MESSAGE((contains(outcome.reason, "no answer record") || contains(outcome.reason, "rcode")), outcome.reason);

  DnsCheck unknown(io, dns(port, "A", "nowhere.invalid"));
  CHECK_FALSE(run_check(io, unknown, 500ms).healthy);

  DnsCheck nobody(io, dns(free_udp_port(), "A", "test.example"));
  outcome = run_check(io, nobody, 300ms);
  CHECK_FALSE(outcome.healthy);
}

TEST_CASE("PING_CHECK: 127.0.0.1 and ::1 answer") {
  asio::io_context io;
  IcmpCheck v4(io, {{asio::ip::make_address("127.0.0.1"), 0, std::nullopt, 0}});
  auto outcome = run_check(io, v4);
  CHECK(outcome.healthy);
  CHECK(run_check(io, v4).healthy);  // the next sequence number matches too
  IcmpCheck v6(io, {{asio::ip::make_address("::1"), 0, std::nullopt, 0}});
  outcome = run_check(io, v6);
  CHECK_MESSAGE(outcome.healthy, outcome.reason);
}

TEST_CASE("PING_CHECK: an address nobody answers for is down (private network namespace)") {
  // The child gets its own network namespace with a veth pair; nothing touches the root namespace
  // and the namespace (with its links) disappears when the child exits.
  int report[2];
  REQUIRE(::pipe(report) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(report[0]);
    char verdict[3] = {'?', '?', '?'};
    if (::unshare(CLONE_NEWNET) == 0 &&
        std::system("ip link set lo up && ip link add xck0 type veth peer name xck1 && "
                    "ip addr add 198.18.0.1/24 dev xck0 && ip -6 addr add fd00:18::1/64 dev xck0 nodad && "
                    "ip link set xck0 up && ip link set xck1 up") == 0) {
      asio::io_context io;
      IcmpCheck silent(io, {{asio::ip::make_address("198.18.0.2"), 0, std::nullopt, 0}});
      IcmpCheck own(io, {{asio::ip::make_address("198.18.0.1"), 0, std::nullopt, 0}});
      IcmpCheck silent6(io, {{asio::ip::make_address("fd00:18::2"), 0, std::nullopt, 0}});
      verdict[0] = run_check(io, silent, 300ms).healthy ? 'u' : 'd';
      verdict[1] = run_check(io, own, 300ms).healthy ? 'u' : 'd';
      verdict[2] = run_check(io, silent6, 300ms).healthy ? 'u' : 'd';
    }
    ssize_t written = ::write(report[1], verdict, sizeof verdict);
    ::_exit(written == sizeof verdict ? 0 : 1);
  }
  ::close(report[1]);
  char verdict[3] = {};
  ssize_t got = ::read(report[0], verdict, sizeof verdict);
  ::close(report[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(got == 3);
  CHECK(verdict[0] == 'd');  // 198.18.0.2: no reply
  CHECK(verdict[1] == 'u');  // the namespace's own address answers
  CHECK(verdict[2] == 'd');  // fd00:18::2: no reply
}

TEST_CASE("MISC_CHECK: success - failure - a hang past misc_timeout and a dynamic weight") {
  asio::io_context io;
  MiscCheck ok(io, {"/bin/sh -c 'exit 0'", 2s, false, std::nullopt, std::nullopt}, 60s);
  CHECK(run_check(io, ok).healthy);

  MiscCheck failing(io, {"/bin/false", 2s, false, std::nullopt, std::nullopt}, 60s);
  auto outcome = run_check(io, failing);
  CHECK_FALSE(outcome.healthy);
  CHECK(contains(outcome.reason, "exited with status 1"));

  MiscCheck hanging(io, {"sleep 30", 200ms, false, std::nullopt, std::nullopt}, 60s);
  auto t0 = Clock::now();
  outcome = run_check(io, hanging);
  CHECK_FALSE(outcome.healthy);
  CHECK(contains(outcome.reason, "timed out"));
  CHECK(Clock::now() - t0 < 2s);

  MiscCheck dynamic(io, {"/bin/sh -c 'exit 7'", 2s, true, std::nullopt, std::nullopt}, 60s);
  outcome = run_check(io, dynamic);
  CHECK(outcome.healthy);
  CHECK(outcome.weight == 5U);

  MiscCheck missing(io, {"/nonexistent/check.sh", 2s, false, std::nullopt, std::nullopt}, 60s);
  outcome = run_check(io, missing);
  CHECK_FALSE(outcome.healthy);
  CHECK(contains(outcome.reason, "could not be started"));

  CHECK_THROWS_AS(MiscCheck(io, {"check 'unbalanced", 2s, false, std::nullopt, std::nullopt}, 60s),
                  std::invalid_argument);
}

TEST_CASE("scheduler: a server that stops listening goes down after its retries and comes back") {
  asio::io_context io;
  auto address = asio::ip::make_address("127.0.0.1");
  std::optional<asio::ip::tcp::acceptor> listener(std::in_place, io, asio::ip::tcp::endpoint(address, 0));
  auto port = listener->local_endpoint().port();

  Scheduler scheduler(io, 42);
  std::vector<HealthEvent> events;
  scheduler.on_event([&](const HealthEvent& e) { events.push_back(e); });
  SchedulingParams params;
  params.delay_loop = 50ms;
  params.delay_before_retry = 20ms;
  params.retry = 2;
  params.connect_timeout = 200ms;
  scheduler.add_check("vs", "rs", std::make_unique<TcpCheck>(io, TcpCheckParams{{address, port, std::nullopt, 0}}),
                      params);
  scheduler.start();

  auto run_until = [&](auto done) {
    auto deadline = Clock::now() + 5s;
    while (!done() && Clock::now() < deadline) io.run_one_for(20ms);
    return done();
  };
  REQUIRE(run_until([&] { return scheduler.status("vs", "rs")->checks >= 2; }));
  CHECK(events.empty());
  CHECK(scheduler.status("vs", "rs")->up);

  listener.reset();
  auto closed_at = Clock::now();
  REQUIRE(run_until([&] { return !events.empty(); }));
  CHECK_FALSE(events[0].up);
  CHECK(events[0].real_server == "rs");
  CHECK(contains(events[0].reason, "refused"));
  // Three failures in a row (retry 2), the last two delay_before_retry apart.
  CHECK(Clock::now() - closed_at >= 40ms);
  auto status = *scheduler.status("vs", "rs");
  CHECK_FALSE(status.up);
  CHECK(status.failures == 3);

  listener.emplace(io, asio::ip::tcp::endpoint(address, port));
  REQUIRE(run_until([&] { return events.size() >= 2; }));
  CHECK(events[1].up);
  CHECK(scheduler.status("vs", "rs")->up);
  CHECK(scheduler.statuses().size() == 1);
  CHECK_FALSE(scheduler.status("vs", "other"));
}

TEST_CASE("scheduler: first checks are spread over warmup - and lateness is reported") {
  asio::io_context io;
  asio::ip::tcp::acceptor listener(io, {asio::ip::make_address("127.0.0.1"), 0});
  Scheduler scheduler(io, 7);
  std::vector<Clock::time_point> starts;
  scheduler.on_lateness([&](Clock::duration late) {
    starts.push_back(Clock::now());
    CHECK(late < 100ms);
  });
  SchedulingParams params;
  params.delay_loop = 10s;
  params.warmup = 400ms;
  for (int i = 0; i < 40; ++i) {
    scheduler.add_check("vs", "rs" + std::to_string(i),
                        std::make_unique<TcpCheck>(io, TcpCheckParams{{asio::ip::make_address("127.0.0.1"),
                                                                       listener.local_endpoint().port(),
                                                                       std::nullopt, 0}}),
                        params);
  }
  auto t0 = Clock::now();
  scheduler.start();
  while (starts.size() < 40 && Clock::now() - t0 < 3s) io.run_one_for(20ms);
  REQUIRE(starts.size() == 40);
  std::sort(starts.begin(), starts.end());
  CHECK(starts.back() - starts.front() > 200ms);  // not all at once
  CHECK(starts.back() - t0 < 600ms);              // and all within warmup
}
