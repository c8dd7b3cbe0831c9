// VrrpService on top of the vrrp library's Router: the configuration is mapped by vrrp_plan.*, the
// answers about addresses are translated between the config model and the library's types.
#include "agent/vrrp_service.h"

#include <spdlog/spdlog.h>

#include "agent/vrrp_plan.h"
#include "vrrp/router.h"

namespace xdplb::agent {

namespace {

class RouterVrrpService final : public VrrpService {
 public:
  RouterVrrpService(asio::io_context& io, vrrp::RouterSettings settings, StateChangeHandler on_change)
      : router_(io, std::move(settings),
                [handler = std::move(on_change)](const std::string& instance, vrrp::State, vrrp::State to) {
                  if (handler) handler(instance, to);
                }) {}

  void start() override { router_.start(); }
  void stop() override { router_.stop(); }

  std::optional<VrrpReconfiguration> reconfigure(const config::Config& next,
                                                 const std::set<std::string>& changed) override {
    vrrp::RouterSettings settings;
    try {
      settings = plan_vrrp(next, system_host_facts());
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(e.what());
    }
    const auto done = router_.reconfigure(std::move(settings), changed);
    if (!done) return std::nullopt;
    return VrrpReconfiguration{done->updated_in_place, done->restarted};
  }

  bool holds(const config::IpAddress& address) const override { return router_.holds(to_asio(address)); }
  bool manages(const config::IpAddress& address) const override { return router_.manages(to_asio(address)); }
  std::string interface_of(const config::IpAddress& address) const override {
    return router_.interface_of(to_asio(address));
  }

  std::vector<VrrpInstanceStatus> status() const override {
    std::vector<VrrpInstanceStatus> out;
    for (const auto& s : router_.status()) {
      VrrpInstanceStatus status;
      status.name = s.name;
      status.interface = s.interface;
      status.virtual_router_id = s.vrid;
      status.state = s.state;
      status.base_priority = s.base_priority;
      status.effective_priority = s.effective_priority;
      for (const auto& address : s.virtual_addresses) status.virtual_addresses.push_back(address.to_string());
      status.last_transition = s.last_transition;
      status.last_transition_from = s.last_transition_from;
      status.last_transition_reason = s.last_transition_reason;
      status.transitions = s.transitions;
      for (std::size_t r = 0; r < s.adverts_dropped.size(); ++r)
        status.adverts_dropped.emplace_back(std::string(vrrp::metric_name(static_cast<vrrp::DiscardReason>(r))),
                                            s.adverts_dropped[r]);
      out.push_back(std::move(status));
    }
    return out;
  }

 private:
  vrrp::Router router_;
};

}  // namespace

std::unique_ptr<VrrpService> VrrpService::create(asio::io_context& io, const config::Config& config,
                                                 StateChangeHandler on_change) {
  try {
    return std::make_unique<RouterVrrpService>(io, plan_vrrp(config, system_host_facts()), std::move(on_change));
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(e.what());
  } catch (const std::system_error& e) {  // a notify FIFO that cannot be created or opened
    throw std::runtime_error(e.what());
  }
}

}  // namespace xdplb::agent
