// AgentClient against a stand-in agent that refuses the way xdplbd does: one error line, then close,
// without reading the request. The operator must read that line, not "Broken pipe".
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/unique_fd.h"
#include "xdplbctl/client.h"

using xdplb::UniqueFd;
using xdplb::ctl::AgentClient;
using xdplb::ctl::AgentRefused;
namespace fs = std::filesystem;

namespace {

class RefusingAgent {
 public:
  explicit RefusingAgent(std::string refusal) : refusal_(std::move(refusal)) {
    char pattern[] = "/tmp/xdplbctl-client-XXXXXX";
    REQUIRE(::mkdtemp(pattern));
    directory_ = pattern;
    listener_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(listener_);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const auto path = socket().native();
    REQUIRE(path.size() < sizeof(address.sun_path));
    std::memcpy(address.sun_path, path.c_str(), path.size());
    REQUIRE(::bind(listener_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0);
    REQUIRE(::listen(listener_.get(), 4) == 0);
  }
  ~RefusingAgent() {
    std::error_code ignored;
    fs::remove_all(directory_, ignored);
  }
  RefusingAgent(const RefusingAgent&) = delete;
  RefusingAgent& operator=(const RefusingAgent&) = delete;

  fs::path socket() const { return directory_ / "xdplb.sock"; }

  // Accepts one connection, writes the refusal and closes it; returns once it is closed.
  void refuse_next() {
    std::thread agent([this] {
      UniqueFd connection(::accept(listener_.get(), nullptr, nullptr));
      if (!connection) return;
      std::string_view rest = refusal_;
      while (!rest.empty()) {
        const auto n = ::send(connection.get(), rest.data(), rest.size(), MSG_NOSIGNAL);
        if (n <= 0) return;
        rest.remove_prefix(static_cast<std::size_t>(n));
      }
    });
    agent.join();
  }

 private:
  std::string refusal_;
  fs::path directory_;
  UniqueFd listener_;
};

}  // namespace

TEST_CASE("a refusal sent before the agent closed is the error, not the broken pipe of our request") {
  RefusingAgent agent(R"({"ok":false,"error":"too many control connections (limit 32, all busy); try again later"})"
                      "\n");
  AgentClient client(agent.socket());
  agent.refuse_next();  // closed before we send: our send fails with EPIPE
  try {
    client.call({{"command", "status"}});
    FAIL("the call succeeded");
  } catch (const AgentRefused& e) {
    CHECK(std::string(e.what()) == "too many control connections (limit 32, all busy); try again later");
  }
}

TEST_CASE("without a parting line the send error itself is reported") {
  RefusingAgent agent("");
  AgentClient client(agent.socket());
  agent.refuse_next();
  try {
    client.call({{"command", "status"}});
    FAIL("the call succeeded");
  } catch (const AgentRefused&) {
    FAIL("a refusal was invented");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("Broken pipe") != std::string::npos);
  }
}
