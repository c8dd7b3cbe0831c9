// The agent's metric families from its snapshots: every VRRP state is a series, the sorry server
// has its own backend label, weights come from the list and counters from the stats.
#include <doctest/doctest.h>

#include "control/agent_metrics.h"

using namespace xdplb::control;
using namespace xdplb::contract;

namespace {

xdplb::agent::Agent::Snapshot sample() {
  xdplb::agent::Agent::Snapshot s;
  VrrpInstance instance;
  instance.name = "VI_1";
  instance.state = VrrpState::backup;
  instance.effective_priority = 90;
  instance.transitions = 2;
  instance.adverts_dropped = {{"vrid_mismatch", 4}, {"own_advert", 0}};
  s.status.vrrp_instances.push_back(instance);
  s.list.virtual_servers.push_back(
      {"tcp/198.18.0.100:80", "mh", false, 0, 65537,
       {{"198.18.0.11:80", Forwarding::dr, 3, 3, Health::up, false, false, true, std::nullopt, true, std::nullopt, std::nullopt},
        {"198.18.0.11:80", Forwarding::dr, 1, 1, Health::up, false, true, true, std::nullopt, true, std::nullopt, std::nullopt}}});
  s.stats.virtual_servers.push_back({"tcp/198.18.0.100:80",
                                     {10, 1000, 2},
                                     {{"198.18.0.11:80", false, {7, 700, 1}}, {"198.18.0.11:80", true, {3, 300, 1}}}});
  s.stats.verdicts = {{"fwd_tx", {10, 1000}}};
  s.stats.conntrack_guard = ConntrackGuard{500, false, 9, 1};
  s.health.push_back({"vs_1", "198.18.0.11:80", Health::down, 12, 5, 0.25});
  return s;
}

const MetricFamily& find(const std::vector<MetricFamily>& families, const std::string& name) {
  for (const auto& f : families)
    if (f.name == name) return f;
  FAIL("no family " << name);
  throw std::logic_error("unreachable");
}

std::string labels(const MetricSample& sample) {
  std::string out;
  for (const auto& l : sample.labels) out += l.name + "=" + l.value + ";";
  return out;
}

}  // namespace

TEST_CASE("VRRP: one state series per state, the current one at 1") {
  const auto families = agent_metric_families(sample());
  const auto& state = find(families, "xdplb_vrrp_state");
  REQUIRE(state.samples.size() == 4);
  for (const auto& s : state.samples)
    CHECK(std::get<std::uint64_t>(s.value) == (labels(s) == "instance=VI_1;state=BACKUP;" ? 1u : 0u));
  CHECK(std::get<std::int64_t>(find(families, "xdplb_vrrp_priority").samples.at(0).value) == 90);
  CHECK(find(families, "xdplb_vrrp_adverts_dropped_total").samples.size() == 2);  // zeros too
}

TEST_CASE("traffic: weights from the list, counters from the stats, the sorry server apart") {
  const auto families = agent_metric_families(sample());
  CHECK(std::get<std::uint64_t>(find(families, "xdplb_vip_active").samples.at(0).value) == 0);
  const auto& weight = find(families, "xdplb_backend_weight");
  REQUIRE(weight.samples.size() == 2);
  CHECK(labels(weight.samples[0]) == "vip=tcp/198.18.0.100:80;backend=198.18.0.11:80;");
  CHECK(labels(weight.samples[1]) == "vip=tcp/198.18.0.100:80;backend=sorry 198.18.0.11:80;");
  const auto& packets = find(families, "xdplb_backend_packets_total");
  CHECK(std::get<std::uint64_t>(packets.samples.at(1).value) == 3);
  CHECK(std::get<std::uint64_t>(find(families, "xdplb_conntrack_untracked_packets_total").samples.at(0).value) == 9);
}

TEST_CASE("health: up, checks, failures and latency per real server; the text renders") {
  const auto families = agent_metric_families(sample());
  CHECK(std::get<std::uint64_t>(find(families, "xdplb_real_server_up").samples.at(0).value) == 0);
  CHECK(std::get<std::uint64_t>(find(families, "xdplb_check_failures_total").samples.at(0).value) == 5);
  CHECK(std::get<double>(find(families, "xdplb_check_latency_seconds").samples.at(0).value) == 0.25);
  const auto text = format_metrics(families);
  CHECK(text.find("xdplb_backend_weight{vip=\"tcp/198.18.0.100:80\",backend=\"sorry 198.18.0.11:80\"} 1\n") !=
        std::string::npos);
}
