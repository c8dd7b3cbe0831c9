// vrrp_script: a command run every `interval`, killed after `timeout`, whose exit status moves a
// tracked object after `rise` successes or `fall` failures in a row (keepalived's semantics). The
// command runs as a child process on the loop (common/process.h): never blocking, never as root
// when a user is given.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace xdplb {
class ChildProcess;
}

namespace xdplb::vrrp {

// The rise/fall hysteresis, pure. Starts healthy unless told otherwise (keepalived's init_fail).
class RiseFall {
 public:
  RiseFall(unsigned rise, unsigned fall, bool initially_healthy = true);
  // Records one result; returns the new health when it changed.
  std::optional<bool> record(bool success);
  bool healthy() const { return healthy_; }

 private:
  unsigned rise_;
  unsigned fall_;
  bool healthy_;
  unsigned streak_ = 0;  // consecutive results contradicting the current health
};

struct ScriptSettings {
  std::string name;
  std::vector<std::string> argv;
  std::chrono::milliseconds interval{1000};
  std::chrono::milliseconds timeout{1000};
  unsigned rise = 1;
  unsigned fall = 1;
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
};

class ScriptTracker {
 public:
  using Handler = std::function<void(const std::string& script, bool healthy)>;

  ScriptTracker(asio::io_context& io, ScriptSettings settings, Handler on_change);
  ~ScriptTracker();
  ScriptTracker(const ScriptTracker&) = delete;
  ScriptTracker& operator=(const ScriptTracker&) = delete;

  void start();
  void stop();
  bool healthy() const { return state_.healthy(); }
  const std::string& name() const { return settings_.name; }

 private:
  void run_once();

  asio::io_context& io_;
  ScriptSettings settings_;
  Handler on_change_;
  RiseFall state_;
  asio::steady_timer timer_;
  std::shared_ptr<ChildProcess> running_;
  // Survives the tracker: a child that exits after stop() must not call into a dead object.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool stopped_ = true;
};

}  // namespace xdplb::vrrp
