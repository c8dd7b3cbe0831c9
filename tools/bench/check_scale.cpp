// 1,000 real servers (TCP_CHECK against a few loopback listeners) checked every second on one
// event loop. Prints the CPU the checking side used (getrusage, % of one core) and how late checks
// started against their plan (p50/p99/max). The listeners run in a forked child so their accept()
// work is not counted. Usage: check_scale [servers=1000] [seconds=30]
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <asio/ip/tcp.hpp>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "check/scheduler.h"
#include "check/tcp_check.h"

using namespace xdplb::check;
using asio::ip::tcp;

namespace {

constexpr int kListeners = 4;

double cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Accepts and closes forever on 127.0.0.{1..4}; returns the ports (one per address) to the parent.
pid_t start_listeners(std::vector<tcp::endpoint>& endpoints) {
  asio::io_context io;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  for (int i = 1; i <= kListeners; ++i) {
    auto address = asio::ip::make_address("127.0.0." + std::to_string(i));
    acceptors.push_back(std::make_unique<tcp::acceptor>(io, tcp::endpoint(address, 0)));
    acceptors.back()->listen(4096);
    endpoints.push_back(acceptors.back()->local_endpoint());
  }
  pid_t pid = ::fork();
  if (pid != 0) return pid;  // parent: the acceptors close here, the child keeps its copies
  io.notify_fork(asio::io_context::fork_child);
  std::function<void(tcp::acceptor&)> accept = [&](tcp::acceptor& acceptor) {
    acceptor.async_accept([&](const std::error_code& ec, tcp::socket) {
      if (!ec) accept(acceptor);
    });
  };
  for (auto& acceptor : acceptors) accept(*acceptor);
  io.run();
  ::_exit(0);
}

Clock::duration percentile(std::vector<Clock::duration>& samples, double p) {
  if (samples.empty()) return {};
  auto index = static_cast<std::size_t>(p * static_cast<double>(samples.size() - 1));
  std::nth_element(samples.begin(), samples.begin() + static_cast<long>(index), samples.end());
  return samples[index];
}

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  int servers = argc > 1 ? std::stoi(argv[1]) : 1000;
  int seconds = argc > 2 ? std::stoi(argv[2]) : 30;
  spdlog::set_level(spdlog::level::warn);

  std::vector<tcp::endpoint> endpoints;
  pid_t listeners = start_listeners(endpoints);

  asio::io_context io;
  Scheduler scheduler(io);
  std::vector<Clock::duration> lateness;
  lateness.reserve(static_cast<std::size_t>(servers) * static_cast<std::size_t>(seconds + 1));
  std::size_t down_events = 0;
  scheduler.on_lateness([&](Clock::duration late) { lateness.push_back(late); });
  scheduler.on_event([&](const HealthEvent& event) { down_events += event.up ? 0 : 1; });

  SchedulingParams params;
  params.delay_loop = std::chrono::seconds(1);
  params.connect_timeout = std::chrono::seconds(1);
  for (int i = 0; i < servers; ++i) {
    const auto& endpoint = endpoints[static_cast<std::size_t>(i % kListeners)];
    scheduler.add_check("bench", "rs" + std::to_string(i),
                        std::make_unique<TcpCheck>(io, TcpCheckParams{{endpoint.address(), endpoint.port(), std::nullopt, 0}}),
                        params);
  }

  double cpu_before = cpu_seconds();
  auto wall_before = Clock::now();
  scheduler.start();
  io.run_for(std::chrono::seconds(seconds));
  double cpu_used = cpu_seconds() - cpu_before;
  double wall = std::chrono::duration<double>(Clock::now() - wall_before).count();
  scheduler.stop();

  ::kill(listeners, SIGTERM);
  ::waitpid(listeners, nullptr, 0);

  std::uint64_t checks = 0, failures = 0;
  for (const auto& status : scheduler.statuses()) {
    checks += status.checks;
    failures += status.failures;
  }
  std::printf("servers            %d (TCP_CHECK, delay_loop 1 s, %d loopback listeners)\n", servers, kListeners);
  std::printf("duration           %.1f s wall\n", wall);
  std::printf("checks completed   %llu (%.0f/s), failures %llu, down events %zu\n",
              static_cast<unsigned long long>(checks), static_cast<double>(checks) / wall,
              static_cast<unsigned long long>(failures), down_events);
  std::printf("cpu                %.2f s = %.2f%% of one core\n", cpu_used, 100.0 * cpu_used / wall);
  auto max = lateness.empty() ? Clock::duration{} : *std::max_element(lateness.begin(), lateness.end());
  std::printf("lateness           p50 %.3f ms, p99 %.3f ms, max %.3f ms (%zu samples)\n", ms(percentile(lateness, 0.5)),
              ms(percentile(lateness, 0.99)), ms(max), lateness.size());
  return 0;
}
