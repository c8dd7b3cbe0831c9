// The agent: one event loop that owns the health checks, the data plane and the scripts, and keeps
// the BPF maps equal to what the configuration and the health of the real servers say.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "agent/service_plan.h"
#include "agent/vrrp_service.h"
#include "check/healthy_set.h"
#include "check/scheduler.h"
#include "config/model.h"
#include "dataplane/dataplane.h"

namespace xdplb::agent {

struct AgentOptions {
  std::string instance = "xdplb";
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

 private:
  void add_checks();
  void on_health_event(const check::HealthEvent& event);
  void run_notify(const check::NotifyAction& action);
  void sync_dataplane(const char* why);
  void retry_unresolved_later();
  void on_vrrp_change(const std::string& instance, const std::string& state);
  std::vector<std::string> vrrp_interfaces() const;

  asio::io_context& io_;
  AgentOptions options_;
  config::Config config_;
  ServicePlan plan_;
  check::HealthySet health_;
  std::unique_ptr<check::Scheduler> scheduler_;
  std::unique_ptr<dataplane::Dataplane> dataplane_;
  std::unique_ptr<VrrpService> vrrp_;
  asio::steady_timer retry_timer_;
  bool retry_pending_ = false;
  bool stopped_ = false;
};

}  // namespace xdplb::agent
