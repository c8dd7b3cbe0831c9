#include "agent/static_network.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "agent/route_plan.h"

namespace xdplb::agent {

namespace {

template <typename Spec>
bool contains(const std::vector<Spec>& specs, const Spec& spec) {
  return std::find(specs.begin(), specs.end(), spec) != specs.end();
}

}  // namespace

StaticNetworkPlan plan_static_network(const config::Config& config) {
  StaticNetworkPlan plan;
  for (const auto& address : config.static_ipaddresses) plan.addresses.push_back(address_spec(address, ""));
  for (const auto& route : config.static_routes) plan.routes.push_back(route_spec(route, ""));
  for (const auto& rule : config.static_rules) plan.rules.push_back(rule_spec(rule));
  return plan;
}

StaticNetwork::StaticNetwork(StaticNetworkPlan plan) : plan_(std::move(plan)) {}

StaticNetwork::~StaticNetwork() { stop(); }

void StaticNetwork::open() {
  if (!addresses_) addresses_ = std::make_unique<vrrp::AddressManager>();
  if (!rules_) rules_ = std::make_unique<vrrp::RuleManager>();
}

void StaticNetwork::start() {
  if (started_) return;
  started_ = true;
  install(plan_, nullptr);
}

void StaticNetwork::install(const StaticNetworkPlan& wanted, std::vector<std::string>* changes) {
  if (wanted.empty()) return;
  open();
  const auto done = [&](const std::string& what) {
    spdlog::info("static {}", what);
    if (changes) changes->push_back("static " + what);
  };
  for (const auto& spec : wanted.addresses) {
    if (contains(installed_.addresses, spec)) continue;
    try {
      addresses_->add_address(spec);
      installed_.addresses.push_back(spec);
      done("address " + spec.describe() + " added");
    } catch (const std::exception& e) {
      spdlog::error("static_ipaddress: {}", e.what());
    }
  }
  for (const auto& spec : wanted.routes) {
    if (contains(installed_.routes, spec)) continue;
    try {
      addresses_->add_route(spec);
      installed_.routes.push_back(spec);
      done("route " + spec.describe() + " added");
    } catch (const std::exception& e) {
      spdlog::error("static_routes: {}", e.what());
    }
  }
  for (const auto& spec : wanted.rules) {
    if (contains(installed_.rules, spec)) continue;
    try {
      rules_->add_rule(spec);
      installed_.rules.push_back(spec);
      done("rule " + spec.describe() + " added");
    } catch (const std::exception& e) {
      spdlog::error("static_rules: {}", e.what());
    }
  }
}

void StaticNetwork::remove_unwanted(const StaticNetworkPlan& wanted, std::vector<std::string>* changes) {
  const auto done = [&](const std::string& what) {
    spdlog::info("static {}", what);
    if (changes) changes->push_back("static " + what);
  };
  const auto remove_each = [&](auto& installed, const auto& keep, auto remove, const char* kind) {
    for (auto it = installed.rbegin(); it != installed.rend();) {
      if (contains(keep, *it)) {
        ++it;
        continue;
      }
      try {
        remove(*it);
        done(std::string(kind) + " " + it->describe() + " removed");
      } catch (const std::exception& e) {
        spdlog::error("static {}: {}", kind, e.what());
      }
      it = decltype(it)(installed.erase(std::next(it).base()));
    }
  };
  remove_each(installed_.rules, wanted.rules, [this](const vrrp::RuleSpec& s) { rules_->remove_rule(s); }, "rule");
  remove_each(installed_.routes, wanted.routes, [this](const vrrp::RouteSpec& s) { addresses_->remove_route(s); }, "route");
  remove_each(installed_.addresses, wanted.addresses,
              [this](const vrrp::AddressSpec& s) { addresses_->remove_address(s); }, "address");
}

void StaticNetwork::stop() {
  if (!started_) return;
  started_ = false;
  remove_unwanted(StaticNetworkPlan{}, nullptr);
}

std::vector<std::string> StaticNetwork::apply(StaticNetworkPlan next) {
  std::vector<std::string> changes;
  if (next == plan_) return changes;
  plan_ = std::move(next);
  if (!started_) return changes;
  remove_unwanted(plan_, &changes);
  install(plan_, &changes);
  return changes;
}

}  // namespace xdplb::agent
