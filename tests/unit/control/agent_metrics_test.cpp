// The agent's metric families from its snapshots: every VRRP state is a series, VRRP instances are
// `vrrp_instance`, traffic and health share the {vip, backend} labels, the sorry server has its own
// backend label, conntrack use and the last reload are there, and every name is a valid one.
#include <doctest/doctest.h>

#include <chrono>
#include <sstream>
#include <stdexcept>

#include <prometheus/check_names.h>
#include <prometheus/text_serializer.h>

#include <xdplb/abi.h>

#include "control/agent_metrics.h"

using namespace xdplb::control;
using namespace xdplb::contract;
using prometheus::MetricFamily;

namespace {

MetricsSnapshot sample() {
  MetricsSnapshot m;
  auto& s = m.agent;
  VrrpInstance instance;
  instance.name = "VI_1";
  instance.state = VrrpState::backup;
  instance.effective_priority = 90;
  instance.transitions = 2;
  instance.adverts_dropped = {{"vrid_mismatch", 4}, {"own_advert", 0}};
  s.status.vrrp_instances.push_back(instance);
  s.status.config_loaded_at = Time(std::chrono::seconds(1'800'000'000));
  s.list.virtual_servers.push_back(
      {"tcp/198.18.0.100:80", "mh", false, 0, 65537,
       {{"198.18.0.11:80", Forwarding::dr, 3, 3, Health::up, false, false, true, std::nullopt, true, std::nullopt, std::nullopt},
        {"198.18.0.12:80", Forwarding::dr, 0, 1, Health::down, false, false, true, std::nullopt, false, std::nullopt, std::nullopt},
        {"198.18.0.11:80", Forwarding::dr, 1, 1, Health::up, false, true, true, std::nullopt, true, std::nullopt, std::nullopt}}});
  s.stats.virtual_servers.push_back({"tcp/198.18.0.100:80",
                                     {10, 1000, 2},
                                     {{"198.18.0.11:80", false, {7, 700, 1}}, {"198.18.0.11:80", true, {3, 300, 1}}}});
  s.stats.verdicts = {{"fwd_tx", {10, 1000}}};
  s.stats.conntrack_guard = ConntrackGuard{500, false, 9, 1};
  s.health.push_back({"vs_1", "198.18.0.12:80", Health::down, 12, 5, 0.25});
  m.vips_of_virtual_server["vs_1"] = {"tcp/198.18.0.100:80", "udp/198.18.0.100:53"};
  m.conntrack = {1234, 1 << 20};
  return m;
}

const MetricFamily& find(const std::vector<MetricFamily>& families, const std::string& name) {
  for (const auto& f : families)
    if (f.name == name) return f;
  FAIL("no family " << name);
  throw std::logic_error("unreachable");
}

std::string labels(const prometheus::ClientMetric& metric) {
  std::string out;
  for (const auto& l : metric.label) out += l.name + "=" + l.value + ";";
  return out;
}

double gauge(const std::vector<MetricFamily>& families, const std::string& name, std::size_t i = 0) {
  return find(families, name).metric.at(i).gauge.value;
}

double counter(const std::vector<MetricFamily>& families, const std::string& name, std::size_t i = 0) {
  return find(families, name).metric.at(i).counter.value;
}

std::string text(const std::vector<MetricFamily>& families) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace

TEST_CASE("names: every family and label name is valid, none is Prometheus' own `instance` or `job`") {
  for (const auto& f : agent_metric_families(sample())) {
    CAPTURE(f.name);
    CHECK(prometheus::CheckMetricName(f.name));
    CHECK(f.name.starts_with("xdplb_"));
    CHECK(!f.help.empty());
    CHECK((f.type == prometheus::MetricType::Counter) == f.name.ends_with("_total"));
    for (const auto& m : f.metric)
      for (const auto& l : m.label) {
        CHECK(prometheus::CheckLabelName(l.name));
        CHECK(l.name != "instance");
        CHECK(l.name != "job");
      }
  }
}

TEST_CASE("build info: version and map layout, always 1") {
  const auto families = agent_metric_families(sample());
  const auto& info = find(families, "xdplb_build_info");
  REQUIRE(info.metric.size() == 1);
  REQUIRE(info.metric[0].label.size() == 2);
  CHECK(info.metric[0].label[0].name == "version");
  CHECK(!info.metric[0].label[0].value.empty());
  CHECK(labels(info.metric[0]).ends_with(";abi_version=" + std::to_string(XDPLB_ABI_VERSION) + ";"));
  CHECK(info.metric[0].gauge.value == 1);
}

TEST_CASE("VRRP: one state series per state, the current one at 1, labelled vrrp_instance") {
  const auto families = agent_metric_families(sample());
  const auto& state = find(families, "xdplb_vrrp_state");
  REQUIRE(state.metric.size() == 4);
  for (const auto& m : state.metric)
    CHECK(m.gauge.value == (labels(m) == "vrrp_instance=VI_1;state=BACKUP;" ? 1 : 0));
  CHECK(gauge(families, "xdplb_vrrp_priority") == 90);
  CHECK(labels(find(families, "xdplb_vrrp_transitions_total").metric.at(0)) == "vrrp_instance=VI_1;");
  CHECK(find(families, "xdplb_vrrp_adverts_dropped_total").metric.size() == 2);  // zeros too
}

TEST_CASE("traffic: weights from the list, counters from the stats, the sorry server apart") {
  const auto families = agent_metric_families(sample());
  CHECK(gauge(families, "xdplb_vip_active") == 0);
  const auto& weight = find(families, "xdplb_backend_weight");
  REQUIRE(weight.metric.size() == 2);  // not the failed server the data plane does not hold
  CHECK(labels(weight.metric[0]) == "vip=tcp/198.18.0.100:80;backend=198.18.0.11:80;");
  CHECK(labels(weight.metric[1]) == "vip=tcp/198.18.0.100:80;backend=sorry 198.18.0.11:80;");
  CHECK(counter(families, "xdplb_backend_packets_total", 1) == 3);
  CHECK(counter(families, "xdplb_conntrack_untracked_packets_total") == 9);
}

TEST_CASE("health: every real server of a VIP up or down, failed ones too, not the sorry server") {
  const auto families = agent_metric_families(sample());
  const auto& up = find(families, "xdplb_backend_up");
  REQUIRE(up.metric.size() == 2);
  CHECK(labels(up.metric[0]) == "vip=tcp/198.18.0.100:80;backend=198.18.0.11:80;");
  CHECK(up.metric[0].gauge.value == 1);
  CHECK(labels(up.metric[1]) == "vip=tcp/198.18.0.100:80;backend=198.18.0.12:80;");
  CHECK(up.metric[1].gauge.value == 0);
}

TEST_CASE("checks: the traffic's labels, once per VIP of the virtual_server block") {
  const auto families = agent_metric_families(sample());
  const auto& failures = find(families, "xdplb_check_failures_total");
  REQUIRE(failures.metric.size() == 2);
  CHECK(labels(failures.metric[0]) == "vip=tcp/198.18.0.100:80;backend=198.18.0.12:80;");
  CHECK(labels(failures.metric[1]) == "vip=udp/198.18.0.100:53;backend=198.18.0.12:80;");
  CHECK(failures.metric[1].counter.value == 5);
  CHECK(counter(families, "xdplb_check_runs_total") == 12);
  CHECK(gauge(families, "xdplb_check_latency_seconds") == 0.25);
  auto gone = sample();
  gone.vips_of_virtual_server.clear();  // a block a reload removed, still in the checkers' last statuses
  CHECK(find(agent_metric_families(gone), "xdplb_check_runs_total").metric.empty());
}

TEST_CASE("conntrack: entries in use against the limit; no entries series where the kernel cannot count") {
  auto s = sample();
  CHECK(gauge(agent_metric_families(s), "xdplb_conntrack_entries") == 1234);
  CHECK(gauge(agent_metric_families(s), "xdplb_conntrack_entries_limit") == 1 << 20);
  s.conntrack.entries.reset();
  const auto families = agent_metric_families(s);
  CHECK(find(families, "xdplb_conntrack_entries").metric.empty());
  CHECK(text(families).find("\nxdplb_conntrack_entries ") == std::string::npos);
  CHECK(gauge(families, "xdplb_conntrack_entries_limit") == 1 << 20);
}

TEST_CASE("reload: successful until one is refused, with the time of the load and of the attempt") {
  auto s = sample();
  auto families = agent_metric_families(s);
  CHECK(gauge(families, "xdplb_config_last_reload_successful") == 1);
  CHECK(gauge(families, "xdplb_config_last_reload_success_timestamp_seconds") == 1'800'000'000);
  CHECK(gauge(families, "xdplb_config_last_reload_timestamp_seconds") == 1'800'000'000);
  s.last_reload = xdplb::agent::Agent::ReloadOutcome{false, std::chrono::system_clock::time_point(
                                                                std::chrono::seconds(1'800'000'060))};
  families = agent_metric_families(s);
  CHECK(gauge(families, "xdplb_config_last_reload_successful") == 0);
  CHECK(gauge(families, "xdplb_config_last_reload_success_timestamp_seconds") == 1'800'000'000);
  CHECK(gauge(families, "xdplb_config_last_reload_timestamp_seconds") == 1'800'000'060);
  s.last_reload->applied = true;
  CHECK(gauge(agent_metric_families(s), "xdplb_config_last_reload_successful") == 1);
}

TEST_CASE("the text exposition: labels quoted and escaped, integers printed whole") {
  auto s = sample();
  s.agent.status.vrrp_instances[0].name = "VI \"1\"\\";
  s.agent.stats.virtual_servers[0].traffic.bytes = 1ull << 52;
  const auto body = text(agent_metric_families(s));
  CHECK(body.find("xdplb_backend_weight{vip=\"tcp/198.18.0.100:80\",backend=\"sorry 198.18.0.11:80\"} 1\n") !=
        std::string::npos);
  CHECK(body.find("xdplb_vrrp_priority{vrrp_instance=\"VI \\\"1\\\"\\\\\"} 90\n") != std::string::npos);
  CHECK(body.find("xdplb_vip_bytes_total{vip=\"tcp/198.18.0.100:80\"} 4503599627370496\n") != std::string::npos);
}
