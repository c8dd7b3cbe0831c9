#include "common/process.h"

#include <sys/wait.h>

#include <asio/steady_timer.hpp>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <doctest/doctest.h>

using namespace std::chrono_literals;
using xdplb::ChildProcess;
using xdplb::ProcessOptions;
using xdplb::ProcessResult;
using xdplb::split_command_line;

namespace {

// Runs the loop until the child reported, with a deadline so a bug cannot hang the suite.
ProcessResult run_to_completion(asio::io_context& io, ProcessOptions options) {
  std::optional<ProcessResult> result;
  io.restart();  // a previous run may have run out of work
  ChildProcess::spawn(io, std::move(options), [&](const ProcessResult& r) { result = r; });
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!result && std::chrono::steady_clock::now() < deadline) io.run_one_for(100ms);
  REQUIRE(result.has_value());
  return *result;
}

// Processes of group `pgid` that are alive (zombies waiting for init do not count).
int living_members(pid_t pgid) {
  int living = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state = 0;
    pid_t ppid = 0, pgrp = 0;
    rest >> state >> ppid >> pgrp;
    if (pgrp == pgid && state != 'Z') ++living;
  }
  return living;
}

bool reaped(pid_t pid) { return ::waitpid(pid, nullptr, WNOHANG) < 0 && errno == ECHILD; }

}  // namespace

TEST_CASE("split_command_line splits words like a shell - without running one") {
  using V = std::vector<std::string>;
  CHECK(split_command_line("/bin/check  a\tb") == V{"/bin/check", "a", "b"});
  CHECK(split_command_line("check 'two words' \"and $three\"") == V{"check", "two words", "and $three"});
  CHECK(split_command_line(R"(a "quote \" in" back\ slash)") == V{"a", "quote \" in", "back slash"});
  CHECK(split_command_line(R"(a "keep \n as is")") == V{"a", R"(keep \n as is)"});
  CHECK(split_command_line("x''y \"\"") == V{"xy", ""});
}

TEST_CASE("split_command_line rejects commands it cannot split") {
  CHECK_THROWS_AS(split_command_line("check 'open"), xdplb::CommandLineError);
  CHECK_THROWS_AS(split_command_line("check \"open"), xdplb::CommandLineError);
  CHECK_THROWS_AS(split_command_line("check \\"), xdplb::CommandLineError);
  CHECK_THROWS_AS(split_command_line("   "), xdplb::CommandLineError);
}

TEST_CASE("a child's exit status is delivered and the child is reaped") {
  asio::io_context io;
  auto ok = run_to_completion(io, {{"true"}});
  CHECK(ok.status == ProcessResult::Status::exited);
  CHECK(ok.succeeded());
  CHECK(reaped(ok.pid));

  auto three = run_to_completion(io, {{"/bin/sh", "-c", "exit 3"}});
  CHECK(three.status == ProcessResult::Status::exited);
  CHECK(three.exit_code == 3);
  CHECK(three.describe() == "exited with status 3");
  CHECK(reaped(three.pid));

  auto killed = run_to_completion(io, {{"/bin/sh", "-c", "kill -9 $$"}});
  CHECK(killed.status == ProcessResult::Status::signaled);
  CHECK(killed.term_signal == SIGKILL);
}

TEST_CASE("a program that cannot be executed is reported - not run") {
  asio::io_context io;
  auto missing = run_to_completion(io, {{"/nonexistent/xdplb-script"}});
  CHECK(missing.status == ProcessResult::Status::spawn_failed);
  CHECK(missing.error.find("No such file") != std::string::npos);

  auto empty = run_to_completion(io, {{}});
  CHECK(empty.status == ProcessResult::Status::spawn_failed);
}

TEST_CASE("the loop keeps running while a child runs") {
  asio::io_context io;
  bool timer_fired_first = false;
  std::optional<ProcessResult> result;
  ChildProcess::spawn(io, {{"sleep", "0.3"}}, [&](const ProcessResult& r) { result = r; });
  asio::steady_timer timer(io, 50ms);
  timer.async_wait([&](const std::error_code&) { timer_fired_first = !result.has_value(); });
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!result && std::chrono::steady_clock::now() < deadline) io.run_one_for(100ms);
  CHECK(timer_fired_first);
  REQUIRE(result);
  CHECK(result->succeeded());
}

TEST_CASE("a child past its timeout gets SIGTERM - and SIGKILL if it ignores it - with its whole group") {
  asio::io_context io;
  ProcessOptions polite{{"sleep", "30"}};
  polite.timeout = 200ms;
  auto t0 = std::chrono::steady_clock::now();
  auto result = run_to_completion(io, polite);
  CHECK(result.status == ProcessResult::Status::timed_out);
  CHECK(result.term_signal == SIGTERM);
  CHECK(std::chrono::steady_clock::now() - t0 < 3s);

  // The script ignores SIGTERM and leaves a grandchild behind in its group.
  ProcessOptions stubborn{{"/bin/sh", "-c", "trap '' TERM; sleep 30 & echo $! > /dev/null; sleep 30"}};
  stubborn.timeout = 200ms;
  stubborn.kill_grace = 200ms;
  t0 = std::chrono::steady_clock::now();
  result = run_to_completion(io, stubborn);
  CHECK(result.status == ProcessResult::Status::timed_out);
  CHECK(result.term_signal == SIGKILL);
  CHECK(std::chrono::steady_clock::now() - t0 < 3s);
  auto deadline = std::chrono::steady_clock::now() + 2s;  // SIGKILL is delivered asynchronously
  while (living_members(result.pid) > 0 && std::chrono::steady_clock::now() < deadline) io.run_for(10ms);
  CHECK(living_members(result.pid) == 0);
}

TEST_CASE("terminate() stops a running child") {
  asio::io_context io;
  std::optional<ProcessResult> result;
  auto child = ChildProcess::spawn(io, {{"sleep", "30"}}, [&](const ProcessResult& r) { result = r; });
  io.run_for(50ms);
  CHECK(child->running());
  child->terminate();
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!result && std::chrono::steady_clock::now() < deadline) io.run_one_for(100ms);
  REQUIRE(result);
  CHECK(result->status == ProcessResult::Status::terminated);
  CHECK_FALSE(child->running());
}

TEST_CASE("a child can be run as another user and group") {
  if (::geteuid() != 0) return;  // dropping privileges needs them first
  asio::io_context io;
  ProcessOptions nobody{{"/bin/sh", "-c", "test \"$(id -u):$(id -g):$(id -G)\" = 65534:65534:65534"}};
  nobody.uid = 65534;
  nobody.gid = 65534;
  CHECK(run_to_completion(io, nobody).succeeded());
}

TEST_CASE("tearing down the loop kills and reaps a child still running") {
  pid_t pid = -1;
  {
    asio::io_context io;
    auto child = ChildProcess::spawn(io, {{"sleep", "30"}}, [](const ProcessResult&) {});
    io.run_for(20ms);
    pid = child->pid();
  }
  REQUIRE(pid > 0);
  CHECK(reaped(pid));
}
