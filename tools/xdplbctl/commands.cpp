#include "xdplbctl/commands.h"

#include <cstdio>
#include <thread>

#include <nlohmann/json.hpp>

#include "xdplbctl/client.h"
#include "xdplbctl/format.h"
#include "xdplbctl/maps_stats.h"

namespace xdplb::ctl {
namespace {

using Json = nlohmann::json;

// Between the two samples of --rate.
constexpr auto kRateInterval = std::chrono::seconds(1);

Json ask(const Invocation& invocation, const Json& request) {
  AgentClient client(invocation.socket, invocation.timeout);
  return client.call(request);
}

void print(const std::string& text) {
  std::fputs(text.c_str(), stdout);
}

void print_json(const Json& value) {
  print(value.dump(2, ' ', false, Json::error_handler_t::replace) + "\n");
}

// One stats sample from the agent, or from the pinned maps when no agent runs (said once on stderr).
class StatsSource {
 public:
  explicit StatsSource(const Invocation& invocation) : invocation_(invocation) {}

  Json sample() {
    if (!use_maps_) {
      try {
        Json stats = ask(invocation_, {{"command", "stats"}});
        stats["source"] = "agent";
        return stats;
      } catch (const AgentNotRunning& not_running) {
        try {
          Json stats = read_pinned_stats(invocation_.instance);
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
  const Json status = ask(invocation, {{"command", "status"}});
  if (invocation.json)
    print_json(status);
  else
    print(format_status(status));
  return 0;
}

int run_list(const Invocation& invocation) {
  const Json list = ask(invocation, {{"command", "list"}});
  if (invocation.json)
    print_json(list);
  else
    print(format_list(list));
  return 0;
}

int run_stats(const Invocation& invocation, bool rate) {
  StatsSource source(invocation);
  if (!rate) {
    const Json stats = source.sample();
    if (invocation.json)
      print_json(stats);
    else
      print(format_stats(stats));
    return 0;
  }
  const Json before = source.sample();
  const auto started = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(kRateInterval);
  const Json after = source.sample();
  // The real interval, not the nominal one: the second request may wait for a busy agent.
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  Json rates = compute_rates(before, after, seconds);
  rates["source"] = after.value("source", "agent");
  if (invocation.json)
    print_json(rates);
  else
    print(format_rates(rates));
  return 0;
}

int run_reload(const Invocation& invocation) {
  const Json reload = ask(invocation, {{"command", "reload"}});
  if (invocation.json)
    print_json(reload);
  else
    print(format_reload(reload));
  return 0;
}

int run_verify(const Invocation& invocation) {
  const Json verify = ask(invocation, {{"command", "verify"}});
  const bool clean = verify_is_clean(verify);
  if (invocation.json)
    print_json(verify);
  else
    print(format_verify(verify));
  return clean ? 0 : 1;
}

int run_drain(const Invocation& invocation, const std::string& backend, const std::optional<std::string>& vip,
              bool drain) {
  Json request = {{"command", drain ? "drain" : "undrain"}, {"backend", backend}};
  if (vip) request["vip"] = *vip;
  const Json result = ask(invocation, request);
  if (invocation.json)
    print_json(result);
  else
    print(format_drain(result, drain));
  return 0;
}

}  // namespace xdplb::ctl
