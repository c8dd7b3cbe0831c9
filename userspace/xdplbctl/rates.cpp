#include "xdplbctl/rates.h"

#include <cstdio>
#include <stdexcept>

#include "xdplbctl/format.h"
#include "xdplbctl/table.h"

namespace xdplb::ctl {
namespace {

double per_second(std::uint64_t before, std::uint64_t after, double seconds) {
  // A counter that went down was reset (id reused, maps recreated): count from zero.
  const std::uint64_t delta = after >= before ? after - before : after;
  return static_cast<double>(delta) / seconds;
}

TrafficRates traffic_rates(const contract::Traffic& before, const contract::Traffic& after, double seconds) {
  return {per_second(before.packets, after.packets, seconds), per_second(before.bytes, after.bytes, seconds),
          per_second(before.new_flows, after.new_flows, seconds)};
}

nlohmann::json encode_traffic(const TrafficRates& r) {
  return {{"packets_per_second", r.packets_per_second},
          {"bytes_per_second", r.bytes_per_second},
          {"new_flows_per_second", r.new_flows_per_second}};
}

std::string rate_text(double value) {
  char buffer[48];
  std::snprintf(buffer, sizeof(buffer), "%.1f", value);
  return buffer;
}

}  // namespace

Rates compute_rates(const contract::Stats& before, const contract::Stats& after, double seconds) {
  if (!(seconds > 0)) throw std::invalid_argument("rate interval must be positive");
  Rates rates;
  rates.source = after.source.value_or(contract::StatsSource::agent);
  rates.interval_seconds = seconds;
  for (const auto& server : after.virtual_servers) {
    const contract::VirtualServerTraffic* earlier = nullptr;
    for (const auto& b : before.virtual_servers)
      if (b.vip == server.vip) earlier = &b;
    VirtualServerRates out{server.vip, traffic_rates(earlier ? earlier->traffic : contract::Traffic{}, server.traffic, seconds), {}};
    for (const auto& backend : server.backends) {
      contract::Traffic previous;
      if (earlier)
        for (const auto& b : earlier->backends)
          if (b.backend == backend.backend && b.sorry == backend.sorry) previous = b.traffic;
      out.backends.push_back({backend.backend, backend.sorry, traffic_rates(previous, backend.traffic, seconds)});
    }
    rates.virtual_servers.push_back(std::move(out));
  }
  for (const auto& [name, counters] : after.verdicts) {
    contract::VerdictCounters previous;
    if (const auto it = before.verdicts.find(name); it != before.verdicts.end()) previous = it->second;
    rates.verdicts[name] = {per_second(previous.packets, counters.packets, seconds),
                            per_second(previous.bytes, counters.bytes, seconds)};
  }
  return rates;
}

nlohmann::json encode(const Rates& rates) {
  nlohmann::json servers = nlohmann::json::array();
  for (const auto& server : rates.virtual_servers) {
    nlohmann::json entry = encode_traffic(server.rates);
    entry["vip"] = server.vip;
    entry["backends"] = nlohmann::json::array();
    for (const auto& b : server.backends) {
      nlohmann::json backend = encode_traffic(b.rates);
      backend["backend"] = b.backend;
      backend["sorry"] = b.sorry;
      entry["backends"].push_back(std::move(backend));
    }
    servers.push_back(std::move(entry));
  }
  nlohmann::json verdicts = nlohmann::json::object();
  for (const auto& [name, r] : rates.verdicts)
    verdicts[name] = {{"packets_per_second", r.packets_per_second}, {"bytes_per_second", r.bytes_per_second}};
  return {{"source", std::string(contract::to_string(rates.source))},
          {"interval_seconds", rates.interval_seconds},
          {"virtual_servers", servers},
          {"verdicts", verdicts}};
}

std::string format_rates(const Rates& rates) {
  std::vector<std::vector<std::string>> rows = {{"Prot LocalAddress:Port", "NewFlows/s", "Packets/s", "Bytes/s"},
                                                {"  -> RemoteAddress:Port", "", "", ""}};
  for (const auto& server : rates.virtual_servers) {
    rows.push_back({vip_column(server.vip), rate_text(server.rates.new_flows_per_second),
                    rate_text(server.rates.packets_per_second), rate_text(server.rates.bytes_per_second)});
    for (const auto& b : server.backends)
      rows.push_back({"  -> " + std::string(b.sorry ? "sorry " : "") + b.backend,
                      rate_text(b.rates.new_flows_per_second), rate_text(b.rates.packets_per_second),
                      rate_text(b.rates.bytes_per_second)});
  }
  std::string out =
      rates.virtual_servers.empty() ? std::string() : render_table(rows, {false, true, true, true}) + "\n";
  std::vector<std::vector<std::string>> verdict_rows = {{"Verdict", "Packets/s", "Bytes/s"}};
  for (const auto& [name, r] : rates.verdicts)
    verdict_rows.push_back({name, rate_text(r.packets_per_second), rate_text(r.bytes_per_second)});
  return out + render_table(verdict_rows, {false, true, true});
}

}  // namespace xdplb::ctl
