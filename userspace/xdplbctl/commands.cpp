#include "xdplbctl/commands.h"

#include <cstdio>
#include <set>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "contract/answers_json.h"
#include "xdplbctl/client.h"
#include "xdplbctl/format.h"
#include "xdplbctl/maps_stats.h"
#include "xdplbctl/rates.h"

namespace xdplb::ctl {
namespace {

using Json = nlohmann::json;

// Between the two samples of --rate.
constexpr auto kRateInterval = std::chrono::seconds(1);

// Asks the agent and decodes its answer with the contract's decoder: an answer that is not the
// contract's is an error naming the field ("agent answer: status.vrrp_instances[0].state is missing").
template <typename Decode>
auto ask(const Invocation& invocation, const Json& request, Decode decode) {
  AgentClient client(invocation.socket, invocation.timeout);
  const Json result = client.call(request);
  try {
    return decode(result);
  } catch (const contract::ContractError& e) {
    throw std::runtime_error(std::string("agent answer: ") + e.what());
  }
}

void print(const std::string& text) {
  std::fputs(text.c_str(), stdout);
}

void print_json(const Json& value) {
  print(value.dump(2, ' ', false, Json::error_handler_t::replace) + "\n");
}

// Prints the answer as JSON (in the contract's encoding, so that --json shows exactly what was
// understood) or as text.
template <typename Answer, typename Format>
void show(const Invocation& invocation, const Answer& answer, Format format) {
  if (invocation.json)
    print_json(contract::encode(answer));
  else
    print(format(answer));
}

// One stats sample from the agent, or from the pinned maps when no agent runs (said once on stderr).
class StatsSource {
 public:
  explicit StatsSource(const Invocation& invocation) : invocation_(invocation) {}

  contract::Stats sample() {
    if (!use_maps_) {
      try {
        auto stats = ask(invocation_, {{"command", "stats"}}, contract::decode_stats);
        stats.source = contract::StatsSource::agent;
        return stats;
      } catch (const AgentNotRunning& not_running) {
        try {
          auto stats = read_pinned_stats(invocation_.instance);
          std::fprintf(stderr, "xdplbctl: %s; showing the verdict counters of the pinned maps only\n",
                       not_running.what());
          use_maps_ = true;
          return stats;
        } catch (const std::runtime_error& no_maps) {
          throw AgentNotRunning(std::string(not_running.what()) + ", and " + no_maps.what());
        }
      }
    }
    return read_pinned_stats(invocation_.instance);
  }

 private:
  const Invocation& invocation_;
  bool use_maps_ = false;
};

}  // namespace

int run_status(const Invocation& invocation) {
  show(invocation, ask(invocation, {{"command", "status"}}, contract::decode_status),
       [](const auto& a) { return format_status(a); });
  return 0;
}

int run_list(const Invocation& invocation) {
  show(invocation, ask(invocation, {{"command", "list"}}, contract::decode_list),
       [](const auto& a) { return format_list(a, std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())); });
  return 0;
}

int run_stats(const Invocation& invocation, bool rate) {
  StatsSource source(invocation);
  if (!rate) {
    show(invocation, source.sample(), [](const auto& a) { return format_stats(a); });
    return 0;
  }
  const auto before = source.sample();
  const auto started = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(kRateInterval);
  const auto after = source.sample();
  // The real interval, not the nominal one: the second request may wait for a busy agent.
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const Rates rates = compute_rates(before, after, seconds);
  if (invocation.json)
    print_json(encode(rates));
  else
    print(format_rates(rates));
  return 0;
}

int run_reload(const Invocation& invocation) {
  show(invocation, ask(invocation, {{"command", "reload"}}, contract::decode_reload),
       [](const auto& a) { return format_reload(a); });
  return 0;
}

int run_verify(const Invocation& invocation) {
  const auto verify = ask(invocation, {{"command", "verify"}}, contract::decode_verify);
  show(invocation, verify, [](const auto& a) { return format_verify(a); });
  return verify.discrepancies.empty() ? 0 : 1;
}

int run_drain(const Invocation& invocation, const std::string& backend, const std::optional<std::string>& vip,
              bool drain, std::optional<std::chrono::seconds> wait) {
  Json request = {{"command", drain ? "drain" : "undrain"}, {"backend", backend}};
  if (vip) request["vip"] = *vip;
  auto answer = ask(invocation, request, contract::decode_drain);
  show(invocation, answer, [drain](const auto& a) { return format_drain(a, drain); });
  if (!drain || !wait) return 0;
  if (!answer.active_flows) throw std::runtime_error("this agent does not count a drained server's flows: --wait cannot work");
  if (*answer.active_flows == 0) return 0;  // the answer said so already
  // Then the server's flows in those VIPs, from list (read-only: an undrain meanwhile stays undone).
  const std::set<std::string> where(answer.vips.begin(), answer.vips.end());
  const auto active_flows = [&] {
    const auto listing = ask(invocation, {{"command", "list"}}, contract::decode_list);
    std::uint64_t flows = 0;
    for (const auto& vs : listing.virtual_servers)
      if (where.count(vs.vip))
        for (const auto& b : vs.backends)
          if (b.backend == backend && !b.sorry) flows += b.flows.value_or(0);
    return flows;
  };
  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + *wait;
  for (std::uint64_t left = *answer.active_flows; left > 0;) {
    if (std::chrono::steady_clock::now() >= deadline) {
      std::fprintf(stderr, "xdplbctl: %s still has %llu active %s after %lld s\n", backend.c_str(),
                   static_cast<unsigned long long>(left), left == 1 ? "flow" : "flows",
                   static_cast<long long>(wait->count()));
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
    left = active_flows();
  }
  const auto waited = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
  if (!invocation.json) print(backend + ": no active flows left after " + format_duration(double(waited.count())) + "\n");
  return 0;
}

int run_conns(const Invocation& invocation, const ConnsFilter& filter) {
  Json request = contract::encode(contract::ConnsRequest{filter.vip, filter.backend, filter.limit});
  request["command"] = "conns";
  show(invocation, ask(invocation, request, contract::decode_conns), [](const auto& a) { return format_conns(a); });
  return 0;
}

}  // namespace xdplb::ctl
