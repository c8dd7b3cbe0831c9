// The real xdplbctl binary against a ControlServer with a canned agent behind it: every command in
// text and JSON, exit status 2 for bad arguments, 1 when the agent is absent or refuses.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <nlohmann/json.hpp>

#include "contract/answers_json.h"
#include "control/control_server.h"

using Json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Run {
  int status = -1;
  std::string output;  // stdout and stderr together
};

Run run_xdplbctl(const std::string& arguments) {
  const std::string command = std::string(XDPLBCTL_PATH) + " " + arguments + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe);
  Run run;
  char buffer[4096];
  while (const auto n = std::fread(buffer, 1, sizeof(buffer), pipe)) run.output.append(buffer, n);
  const int status = ::pclose(pipe);
  REQUIRE(WIFEXITED(status));
  run.status = WEXITSTATUS(status);
  return run;
}

std::size_t count_lines(const std::string& text) {
  std::size_t lines = 0;
  for (const char c : text) lines += c == '\n';
  return lines;
}

// A canned agent answering in the contract's encoding: each stats call adds 100 packets so that
// --rate has something to measure. `broken` makes status leave out a field.
class CannedAgent {
 public:
  Json handle(const std::string& command, const Json& request) {
    using namespace xdplb::contract;
    if (command == "status") {
      Status status;
      status.instance = "test";
      status.version = "0.1.0";
      VrrpInstance instance;
      instance.name = "VI_1";
      instance.state = VrrpState::master;
      instance.priority = instance.effective_priority = 150;
      instance.vips = {"198.18.0.100/32"};
      status.vrrp_instances.push_back(instance);
      Json answer = encode(status);
      if (broken) answer["vrrp_instances"][0].erase("state");
      return answer;
    }
    if (command == "list") {
      List list;
      list.version = "0.1.0";
      // After a drain of two active flows, list counts one, then none: what drain --wait waits for.
      std::uint64_t flows = 3;
      if (drained) {
        const unsigned polls = lists_after_drain++;
        flows = polls < 1 ? 1 : 0;
      }
      list.virtual_servers.push_back(
          {"tcp/198.18.0.100:80", "mh", true, 0, 65537,
           {{"198.18.0.11:80", Forwarding::dr, 1, 1, Health::up, drained, false, true, flows, true, std::nullopt,
             std::nullopt}}});
      return encode(list);
    }
    if (command == "stats") {
      const std::uint64_t packets = 100 * ++stats_calls;
      Stats stats;
      stats.virtual_servers.push_back({"tcp/198.18.0.100:80", {packets, packets * 100, 1}, {}});
      stats.verdicts["fwd_tx"] = {packets, packets * 100};
      return encode(stats);
    }
    if (command == "reload") return encode(Reload{"/etc/xdplb/xdplb.conf", {}, {}});
    if (command == "verify") return encode(Verify{1, 1, {}});
    if (command == "conns") {
      last_conns_request = decode_conns_request(request);
      Conns conns{1048576, 5, 2, 60, {}};
      conns.conns = {{"tcp", "198.18.0.50:40312", "tcp/198.18.0.100:80", "198.18.0.11:80", false, 0.4, FlowState::active},
                     {"tcp", "198.18.0.51:40000", "tcp/198.18.0.100:80", std::nullopt, false, 125, FlowState::stale}};
      return encode(conns);
    }
    const auto backend = request["backend"].get<std::string>();
    if (backend != "198.18.0.11:80")
      throw xdplb::control::ControlError("no real server " + backend, Json::array({"known: 198.18.0.11:80"}));
    drained = command == "drain";
    drain_calls += drained;
    lists_after_drain = 0;
    return encode(Drain{backend, {request.value("vip", "tcp/198.18.0.100:80")}, true, std::uint64_t{2}, std::nullopt});
  }

  std::atomic<unsigned> stats_calls{0};
  std::atomic<unsigned> drain_calls{0};
  std::atomic<unsigned> lists_after_drain{0};
  std::atomic<bool> drained{false};
  xdplb::contract::ConnsRequest last_conns_request;
  std::atomic<bool> broken{false};
};

class AgentUnderTest {
 public:
  AgentUnderTest() : work_(asio::make_work_guard(io_)) {
    char pattern[] = "/tmp/xdplbctl-test-XXXXXX";
    REQUIRE(::mkdtemp(pattern));
    directory_ = pattern;
    xdplb::control::ControlServerOptions options;
    options.socket_path = socket();
    server_.emplace(io_, options, [this](const std::string& command, const Json& request) {
      return agent.handle(command, request);
    });
    thread_ = std::thread([this] { io_.run(); });
  }
  ~AgentUnderTest() {
    asio::post(io_, [this] { server_.reset(); });
    work_.reset();
    thread_.join();
    std::error_code ignored;
    fs::remove_all(directory_, ignored);
  }
  AgentUnderTest(const AgentUnderTest&) = delete;
  AgentUnderTest& operator=(const AgentUnderTest&) = delete;

  fs::path socket() const { return directory_ / "xdplb.sock"; }
  std::string with_socket(const std::string& arguments) const {
    return "--socket " + socket().native() + " " + arguments;
  }

  CannedAgent agent;

 private:
  fs::path directory_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::optional<xdplb::control::ControlServer> server_;
  std::thread thread_;
};

}  // namespace

TEST_CASE("every command prints its text, and --json the agent's result") {
  AgentUnderTest agent;
  auto run = run_xdplbctl(agent.with_socket("status"));
  CHECK(run.status == 0);
  CHECK(run.output.find("VI_1") != std::string::npos);
  CHECK(run.output.find("MASTER") != std::string::npos);

  run = run_xdplbctl(agent.with_socket("list"));
  CHECK(run.status == 0);
  CHECK(run.output.find("TCP  198.18.0.100:80 mh\n  -> 198.18.0.11:80") != std::string::npos);

  run = run_xdplbctl(agent.with_socket("stats"));
  CHECK(run.status == 0);
  CHECK(run.output.find("fwd_tx") != std::string::npos);

  run = run_xdplbctl(agent.with_socket("reload"));
  CHECK(run.status == 0);
  CHECK(run.output == "reloaded /etc/xdplb/xdplb.conf: no change\n");

  run = run_xdplbctl(agent.with_socket("drain 198.18.0.11:80 --vip tcp/198.18.0.100:80"));
  CHECK(run.status == 0);
  CHECK(run.output.starts_with("drained 198.18.0.11:80 on tcp/198.18.0.100:80"));
  CHECK(run.output.ends_with("\n2 active flows left\n"));
  run = run_xdplbctl(agent.with_socket("undrain 198.18.0.11:80"));
  CHECK(run.status == 0);
  CHECK(run.output.starts_with("undrained 198.18.0.11:80"));

  // --json before or after the command; the output is the agent's result, parseable as is.
  run = run_xdplbctl(agent.with_socket("list --json"));
  CHECK(run.status == 0);
  CHECK(Json::parse(run.output)["virtual_servers"][0]["backends"][0]["flows"] == 3);
  run = run_xdplbctl(agent.with_socket("--json stats"));
  CHECK(run.status == 0);
  const auto stats = Json::parse(run.output);
  CHECK(stats["source"] == "agent");
  CHECK(stats["verdicts"]["fwd_tx"]["packets"].is_number_unsigned());

  run = run_xdplbctl(agent.with_socket("verify"));
  CHECK(run.status == 0);
  CHECK(run.output == "OK: the data plane serves what the agent intends (1 VIP, 1 backend)\n");
}

TEST_CASE("conns sends its filter and prints an ipvsadm -Lnc style table with a summary") {
  AgentUnderTest agent;
  auto run = run_xdplbctl(agent.with_socket("conns --vip 198.18.0.100:80 --backend 198.18.0.11:80 --limit 1"));
  CHECK(run.status == 0);
  CHECK(agent.agent.last_conns_request == xdplb::contract::ConnsRequest{"198.18.0.100:80", "198.18.0.11:80", 1});
  CHECK(run.output ==
        "Pro  Idle   State   Source             Virtual              Destination\n"
        "TCP  0s     active  198.18.0.50:40312  tcp/198.18.0.100:80  198.18.0.11:80\n"
        "TCP  2m05s  stale   198.18.0.51:40000  tcp/198.18.0.100:80  -\n"
        "2 entries matched of 5 in a table of 1048576; active: seen in the last 60 s\n");
  run = run_xdplbctl(agent.with_socket("conns --json"));
  CHECK(run.status == 0);
  CHECK(agent.agent.last_conns_request == xdplb::contract::ConnsRequest{});
  CHECK(Json::parse(run.output)["conns"][1]["backend"].is_null());
  CHECK(run_xdplbctl(agent.with_socket("conns --limit -1")).status == 2);
  CHECK(run_xdplbctl(agent.with_socket("conns --backend nowhere")).status == 2);
}

TEST_CASE("drain --wait drains once, then reads list until the server has no active flows left") {
  AgentUnderTest agent;
  auto run = run_xdplbctl(agent.with_socket("drain 198.18.0.11:80 --wait 10"));
  CHECK(run.status == 0);
  CHECK(agent.agent.drain_calls == 1);
  CHECK(agent.agent.lists_after_drain == 2);
  CHECK(run.output.find("2 active flows left\n") != std::string::npos);
  CHECK(run.output.ends_with("198.18.0.11:80: no active flows left after 2s\n"));
  run = run_xdplbctl(agent.with_socket("drain 198.18.0.11:80 --wait 1"));
  CHECK(run.status == 1);
  CHECK(agent.agent.drain_calls == 2);
  CHECK(run.output.find("still has 1 active flow after 1 s") != std::string::npos);
  CHECK(run_xdplbctl(agent.with_socket("drain 198.18.0.11:80 --wait 0")).status == 2);
  CHECK(run_xdplbctl(agent.with_socket("drain 198.18.0.11:80 --wait 1.5")).status == 2);
}

TEST_CASE("an answer that is not the contract's is an error naming the field, and nothing is printed") {
  AgentUnderTest agent;
  agent.agent.broken = true;
  for (const std::string arguments : {"status", "status --json"}) {
    CAPTURE(arguments);
    const auto run = run_xdplbctl(agent.with_socket(arguments));
    CHECK(run.status == 1);
    CHECK(run.output == "xdplbctl: agent answer: status.vrrp_instances[0].state is missing\n");
  }
}

TEST_CASE("stats --rate samples twice one second apart") {
  AgentUnderTest agent;
  const auto run = run_xdplbctl(agent.with_socket("stats --rate --json"));
  REQUIRE(run.status == 0);
  const auto rates = Json::parse(run.output);
  CHECK(agent.agent.stats_calls == 2);
  const double interval = rates["interval_seconds"].get<double>();
  CHECK(interval >= 1.0);
  CHECK(interval < 3.0);
  // 100 packets more between the samples.
  CHECK(rates["virtual_servers"][0]["packets_per_second"].get<double>() == doctest::Approx(100.0 / interval));
  CHECK(rates["verdicts"]["fwd_tx"]["bytes_per_second"].get<double>() == doctest::Approx(10000.0 / interval));
  const auto text = run_xdplbctl(agent.with_socket("stats --rate"));
  CHECK(text.status == 0);
  CHECK(text.output.find("Packets/s") != std::string::npos);
}

TEST_CASE("bad arguments: a one-line error, the usage, exit status 2, and nothing sent") {
  AgentUnderTest agent;
  for (const std::string arguments : {"", "frobnicate", "drain", "drain 198.18.0.11", "drain fd00::1:80",
                                      "drain 198.18.0.11:80 --vip nowhere", "stats --rates", "undrain a b",
                                      "--instance ../etc status", "--timeout 0 status"}) {
    CAPTURE(arguments);
    const auto run = run_xdplbctl(agent.with_socket(arguments));
    CHECK(run.status == 2);
    CHECK(run.output.starts_with("xdplbctl: "));
    const auto first_line = run.output.substr(0, run.output.find('\n'));
    CHECK(first_line.size() > 12);
    CHECK(run.output.find("Usage:") != std::string::npos);
    CHECK(count_lines(run.output) > 2);
  }
  CHECK(agent.agent.stats_calls == 0);
  CHECK(run_xdplbctl("--help").status == 0);
  CHECK(run_xdplbctl("--version").output == "xdplbctl " XDPLB_VERSION_STRING "\n");
}

TEST_CASE("no agent: a clear message and exit status 1 - a refusal shows the agent's error and details") {
  const auto missing = run_xdplbctl("--socket /tmp/xdplbctl-no-such-dir/xdplb.sock status");
  CHECK(missing.status == 1);
  CHECK(missing.output ==
        "xdplbctl: instance xdplb: xdplbd is not running: nobody listens on "
        "/tmp/xdplbctl-no-such-dir/xdplb.sock (No such file or directory)\n");

  // stats falls back to the pinned maps, and says so when there are none either.
  const std::string instance = "xdplbctl-test-" + std::to_string(::getpid());
  const auto no_maps = run_xdplbctl("--instance " + instance + " stats");
  CHECK(no_maps.status == 1);
  CHECK(no_maps.output.find("is not running") != std::string::npos);
  CHECK(no_maps.output.find("/sys/fs/bpf/xdplb/" + instance + "/xdplb_verdicts") != std::string::npos);

  AgentUnderTest agent;
  const auto refused = run_xdplbctl(agent.with_socket("drain 198.18.0.99:80"));
  CHECK(refused.status == 1);
  CHECK(refused.output ==
        "xdplbctl: xdplbd refused: no real server 198.18.0.99:80\n  known: 198.18.0.11:80\n");
}
