// The agent: one event loop that owns the health checks, the data plane and the scripts, and keeps
// the BPF maps equal to what the configuration and the health of the real servers say.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <exception>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "agent/checker_notify_scripts.h"
#include "agent/metrics_format.h"
#include "agent/health_plan.h"
#include "agent/service_plan.h"
#include "agent/stats_baseline.h"
#include "agent/notify_fifos.h"
#include "agent/prepared_reload.h"
#include "agent/vrrp_service.h"
#include "check/healthy_set.h"
#include "check/scheduler.h"
#include "config/model.h"
#include "dataplane/dataplane.h"

namespace xdplb::agent {

struct AgentOptions {
  std::string instance = "xdplb";
  std::string config_file;              // re-read by reload()
  bool strict = false;                  // unknown keywords are errors (also on reload)
  std::vector<std::string> interfaces;  // where the XDP program is attached
  dataplane::AttachMode attach_mode = dataplane::AttachMode::native;
  bool keep_pins = false;               // leave the maps pinned on exit (restart without loss)
};

class Agent {
 public:
  Agent(asio::io_context& io, AgentOptions options, config::Config config);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Loads and attaches the data plane, programs the maps, starts the checkers.
  void start();
  // Stops the checkers, runs omega notifications, detaches; maps stay pinned only with keep_pins.
  void stop();

  const ServicePlan& plan() const { return plan_; }
  dataplane::Dataplane& dataplane() { return *dataplane_; }
  const check::Scheduler& scheduler() const { return *scheduler_; }
  // Null when the configuration has no vrrp_instance.
  const VrrpService* vrrp() const { return vrrp_.get(); }

  // The control socket's commands (docs/control.md); throws ControlError to refuse.
  nlohmann::json handle_control(const std::string& command, const nlohmann::json& request);
  // Everything the metrics endpoint exposes.
  std::vector<MetricFamily> metric_families() const;
  // Re-reads the configuration file and applies only the difference: unchanged VIPs keep their rings
  // and flows, unchanged real servers their health. An invalid file changes nothing and throws
  // Refused with every diagnostic. Returns the reload result of docs/control.md.
  nlohmann::json reload();
  // The same without stalling the loop: the file is read and planned on a thread of its own while
  // adverts, checkers and the control socket go on; the difference is applied on the loop and `done`
  // gets the result (or the refusal, as the exception reload() would throw). Requests during a
  // reload are answered by one more reload after it.
  using ReloadCompletion = std::function<void(std::exception_ptr error, nlohmann::json result)>;
  void reload_async(ReloadCompletion done);
  // keepalived's SIGUSR1 / SIGUSR2: a readable state dump / stats dump, written to `path`; and its
  // JSON signal: status, list and stats as one JSON object. Each file is replaced whole (a reader
  // never sees half a dump); throws std::runtime_error naming the path when it cannot be written.
  void write_state_dump(const std::string& path) const;
  void write_stats_dump(const std::string& path) const;
  void write_json_dump(const std::string& path) const;
  // keepalived's STATS_CLEAR: the counters of `stats` (and of the dumps) restart at zero. The data
  // plane's counters and the metrics keep counting.
  void clear_stats();

 private:
  PreparedReload prepare_reload() const;
  nlohmann::json apply_reload(PreparedReload prepared);
  void start_reload();

  void on_health_event(const check::HealthEvent& event);
  void run_notify(const check::NotifyAction& action);
  // Why the data plane is synced: the log says it, and it decides how much one loop turn may do.
  enum class SyncCause { start, vrrp, health, reload, drain, undrain, neighbours };
  static const char* to_string(SyncCause cause);
  void sync_dataplane(SyncCause why);
  // The same, after every event already queued on the loop: a burst of health changes costs one sync.
  void sync_dataplane_soon(SyncCause why);
  // What the data plane should serve now: the plan, the health of the real servers, the VRRP state
  // and the drains.
  std::vector<dataplane::VipSpec> desired_dataplane() const;
  void retry_unresolved_later();
  void on_vrrp_change(const std::string& instance, vrrp::State state);
  std::vector<std::string> vrrp_interfaces() const;
  // Sets the health checks to `checks` and rebuilds the healthy set of the plan: every real server
  // keeps the state (up or down, misc_dynamic weight) the checks last gave it, and the scheduler keeps
  // the checkers it already runs as they were planned.
  void apply_health(HealthPlan checks);
  nlohmann::json status_json() const;
  nlohmann::json list_json() const;
  nlohmann::json stats_json() const;
  nlohmann::json drain_json(const nlohmann::json& request, bool drain);
  nlohmann::json verify_json() const;

  asio::io_context& io_;
  AgentOptions options_;
  config::Config config_;
  ServicePlan plan_;
  check::HealthySet health_;
  CheckerNotifyScripts notify_scripts_;  // what run_notify runs, as whom (rebuilt with health_)
  std::unique_ptr<check::Scheduler> scheduler_;
  std::unique_ptr<dataplane::Dataplane> dataplane_;
  std::unique_ptr<NotifyFifos> fifos_;  // before vrrp_: the FIFOs exist before the router writes
  std::unique_ptr<VrrpService> vrrp_;
  asio::steady_timer retry_timer_;
  bool retry_pending_ = false;
  bool stopped_ = false;
  DrainSet drained_;
  StatsBaseline stats_baseline_;
  std::optional<std::chrono::system_clock::time_point> stats_cleared_at_;
  bool interfaces_from_command_line_ = false;
  std::chrono::system_clock::time_point started_at_ = std::chrono::system_clock::now();
  std::chrono::system_clock::time_point config_loaded_at_ = started_at_;
  bool sync_posted_ = false;
  // What building, writing and freeing one ring took in the last syncs (see sync_dataplane).
  std::chrono::microseconds ring_cost_{1000};
  bool reload_in_flight_ = false;
  std::vector<ReloadCompletion> next_reload_waiters_;
  std::thread reload_thread_;  // last: joined first when the agent goes
};

}  // namespace xdplb::agent
