// The agent: one event loop that owns the health checks, the data plane and the scripts, and keeps
// the BPF maps equal to what the configuration and the health of the real servers say.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <exception>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "agent/checker_notify_scripts.h"
#include "agent/drain_store.h"
#include "agent/health_plan.h"
#include "agent/nat_interfaces.h"
#include "agent/service_plan.h"
#include "agent/static_network.h"
#include "agent/stats_baseline.h"
#include "agent/notify_fifos.h"
#include "agent/prepared_reload.h"
#include "agent/vrrp_service.h"
#include "check/healthy_set.h"
#include "check/scheduler.h"
#include "config/model.h"
#include "contract/answers.h"
#include "dataplane/dataplane.h"

namespace xdplb::agent {

struct AgentOptions {
  std::string instance = "xdplb";
  std::string config_file;              // re-read by reload()
  bool strict = false;                  // unknown keywords are errors (also on reload)
  std::optional<std::string> config_id; // keepalived's -i: what @ID lines match (also on reload)
  std::vector<std::string> interfaces;  // where the XDP program is attached
  dataplane::AttachMode attach_mode = dataplane::AttachMode::native;
  bool keep_pins = false;               // leave the maps pinned on exit (restart without loss)
  // Where the drains are kept across restarts (drains.json); empty: they last as long as the agent.
  std::filesystem::path state_directory;
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

  const std::string& instance() const { return options_.instance; }

  // The operator's views (contract/answers.h, docs/control.md), taken now.
  contract::Status status() const;
  // Counting the flows of each backend walks the whole conntrack table: the metrics skip it.
  enum class FlowCounting { count, skip };
  contract::List list(FlowCounting flows = FlowCounting::count) const;
  // The counters count from the last clear_stats() (keepalived's STATS_CLEAR), or from the start
  // for the metrics, whose counters must only grow.
  enum class Counting { since_clear, since_start };
  contract::Stats stats(Counting counting = Counting::since_clear) const;
  // The checkers' verdict on every checked real server.
  std::vector<contract::RealServerHealth> health() const;
  // All four at one moment, from one read of the maps' counters (a metrics scrape, a dump).
  struct Snapshot {
    contract::Status status;
    contract::List list;
    contract::Stats stats;
    std::vector<contract::RealServerHealth> health;
  };
  Snapshot snapshot(FlowCounting flows, Counting counting) const;
  // The intended state against the live maps; changes nothing.
  contract::Verify verify() const;
  // The control socket's list, conns and drain: answered after a walk of the flow table that runs one
  // batch per loop turn, so that adverts, checkers and other requests go on meanwhile (a million
  // entries take about 0.4 s). `done` runs on the loop, with the refusal or the answer.
  template <class Answer>
  using Completion = std::function<void(std::exception_ptr error, Answer answer)>;
  void list_async(Completion<contract::List> done);
  // The conntrack table decoded (xdplbctl conns), filtered, most recently seen first; at most
  // kMaxConnsPerAnswer entries (a limit of 0 or more is that).
  void conns_async(contract::ConnsRequest request, Completion<contract::Conns> done);
  // Holds the real server at weight 0 (drain) or gives its weight back, in every VIP that has it or
  // in the one named, then counts its active flows there; refused (Refused) when nothing matches.
  void drain_async(contract::DrainRequest request, bool drain, Completion<contract::Drain> done);

  // Re-reads the configuration file and applies only the difference: unchanged VIPs keep their rings
  // and flows, unchanged real servers their health. An invalid file changes nothing and throws
  // Refused with every diagnostic.
  contract::Reload reload();
  // The same without stalling the loop: the file is read and planned on a thread of its own while
  // adverts, checkers and the control socket go on; the difference is applied on the loop and `done`
  // gets the result (or the refusal, as the exception reload() would throw). Requests during a
  // reload are answered by one more reload after it.
  using ReloadCompletion = std::function<void(std::exception_ptr error, contract::Reload result)>;
  void reload_async(ReloadCompletion done);
  // keepalived's STATS_CLEAR: the counters of `stats` (and of the dumps) restart at zero. The data
  // plane's counters and the metrics keep counting.
  void clear_stats();
  // The last reload asked for (SIGHUP, xdplbctl reload): applied, or refused with the running
  // configuration kept. Unset before the first.
  struct ReloadOutcome {
    bool applied = false;
    std::chrono::system_clock::time_point at;
  };
  const std::optional<ReloadOutcome>& last_reload() const { return last_reload_; }

 private:
  PreparedReload prepare_reload() const;
  contract::Reload apply_reload(PreparedReload prepared);
  void start_reload();

  // keepalived 2.2.7's init_file, measured against it: at start a file is written when it is
  // missing (or always, with `overwrite`); on a reload a missing file is written again and an existing
  // one is left as it is, also with `overwrite`.
  enum class TrackFileMoment { start, reload };
  void initialise_track_files(TrackFileMoment moment) const;
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
  // Reads the drains of the last run, keeping those the plan still has.
  void restore_drains();
  // Writes drained_ to the state file; the error when it could not.
  std::optional<std::string> keep_drains() const;
  contract::Status status_of(const std::vector<dataplane::VipStatus>& vips) const;
  // `flows`: active flows per backend id, or null to leave them uncounted.
  contract::List list_of(const std::vector<dataplane::VipStatus>& vips, std::vector<check::ServerStatus> statuses,
                         const std::map<std::uint32_t, std::uint64_t>* flows) const;
  // drain() without counting the flows.
  contract::Drain apply_drain(const contract::DrainRequest& request, bool drain);
  // What a walk of the flow table came to: the entries it went through and, when it could not go
  // through them all, why (logged as a warning; what `visit` saw is then partial).
  struct FlowWalkResult {
    std::uint64_t entries = 0;
    std::optional<std::string> error;
  };
  // Walks the flow table a batch per loop turn, feeding `visit`, then calls `done` on the loop.
  // Nothing runs once the agent is gone.
  void walk_flows_then(dataplane::Dataplane::FlowVisitor visit, std::function<void(const FlowWalkResult&)> done);
  contract::Stats stats_of(const std::vector<dataplane::VipStatus>& vips, Counting counting) const;
  static std::vector<contract::RealServerHealth> health_of(const std::vector<check::ServerStatus>& statuses);

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
  StaticNetwork static_network_;  // static_ipaddress, static_routes, static_rules
  asio::steady_timer retry_timer_;
  bool retry_pending_ = false;
  bool stopped_ = false;
  DrainStore drain_store_;
  DrainSet drained_;
  StatsBaseline stats_baseline_;
  std::optional<std::chrono::system_clock::time_point> stats_cleared_at_;
  bool interfaces_from_command_line_ = false;
  std::chrono::system_clock::time_point started_at_ = std::chrono::system_clock::now();
  std::chrono::system_clock::time_point config_loaded_at_ = started_at_;
  std::optional<ReloadOutcome> last_reload_;
  NatInterfaces nat_interfaces_;  // where NAT replies arrive: attached after each sync
  bool sync_posted_ = false;
  // How long the data plane sync of each VRRP instance's last transition took (status duration_ms).
  std::map<std::string, double> transition_sync_ms_;
  // What building, writing and freeing one ring took in the last syncs (see sync_dataplane).
  std::chrono::microseconds ring_cost_{1000};
  bool reload_in_flight_ = false;
  std::vector<ReloadCompletion> next_reload_waiters_;
  // Handlers posted to the loop hold a weak reference: they do nothing once the agent is gone.
  std::shared_ptr<int> lifetime_ = std::make_shared<int>(0);
  std::thread reload_thread_;  // last: joined first when the agent goes
};

}  // namespace xdplb::agent
