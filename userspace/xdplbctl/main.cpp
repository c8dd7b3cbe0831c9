// xdplbctl: shows and steers a running xdplbd through its control socket (docs/control.md).
// Exit status: 0 done, 1 the agent is not running or refused, 2 bad arguments.
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "xdplbctl/arguments.h"
#include "xdplbctl/client.h"
#include "xdplbctl/commands.h"
#include "xdplbctl/format.h"

namespace {

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

CLI::Validator checked_by(std::string (*check)(const std::string&), const std::string& description) {
  return CLI::Validator([check](std::string& value) { return check(value); }, description);
}

// The help of the deepest subcommand the user named, so that `xdplbctl drain` shows drain's usage.
std::string usage_of(CLI::App& app) {
  for (auto* sub : app.get_subcommands()) return sub->help();
  return app.help();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"xdplbctl - show and steer a running xdplbd", "xdplbctl"};
  app.set_version_flag("-v,--version", std::string("xdplbctl ") + XDPLB_VERSION);
  app.require_subcommand(1, 1);
  app.fallthrough();  // --json and --instance are also accepted after the command

  xdplb::ctl::Invocation invocation;
  std::string socket;
  double timeout_seconds = 30;
  app.add_option("--instance", invocation.instance, "Agent instance name (xdplbd --instance)")
      ->capture_default_str()
      ->check(checked_by(&xdplb::ctl::instance_argument_error, "NAME"));
  app.add_option("--socket", socket, "Control socket path (default /run/xdplb/<instance>.sock)");
  app.add_flag("--json", invocation.json, "Machine-readable output (stable keys, see docs/control.md)");
  app.add_option("--timeout", timeout_seconds, "Seconds to wait for the agent's answer")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));

  auto* status = app.add_subcommand("status", "Agent, data plane and VRRP instances (state, priority, VIPs)");
  auto* list = app.add_subcommand("list", "Virtual servers and real servers, like ipvsadm -Ln");
  auto* stats =
      app.add_subcommand("stats", "Packets, bytes and new flows per VIP and backend; verdict counters");
  bool rate = false;
  stats->add_flag("--rate", rate, "Sample twice one second apart and print per-second rates");
  auto* reload =
      app.add_subcommand("reload", "Re-read the configuration; a bad file keeps the running config");

  auto* verify = app.add_subcommand(
      "verify", "Compare what the agent intends with the live BPF maps; exit 1 on any difference");

  xdplb::ctl::ConnsFilter conns_filter;
  std::string conns_vip, conns_backend;
  auto* conns = app.add_subcommand("conns", "Connection tracking entries, like ipvsadm -Lnc: client, VIP, backend, idle time");
  conns->add_option("--vip", conns_vip, "Only this virtual server, [tcp/|udp/]ADDRESS:PORT")
      ->check(checked_by(&xdplb::ctl::vip_argument_error, "VIP"));
  conns->add_option("--backend", conns_backend, "Only flows pinned to this real server, ADDRESS:PORT")
      ->check(checked_by(&xdplb::ctl::backend_argument_error, "ADDRESS:PORT"));
  conns->add_option("--limit", conns_filter.limit, "Show at most this many, the most recently seen (0: all)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);

  struct DrainArguments {
    std::string backend;
    std::string vip;
  } drain_arguments, undrain_arguments;
  unsigned drain_wait_seconds = 0;
  auto* drain = app.add_subcommand(
      "drain", "Weight 0 for a real server: established flows stay, new ones go elsewhere");
  auto* undrain = app.add_subcommand("undrain", "Give a drained real server its configured weight back");
  for (auto [command, arguments] :
       {std::pair{drain, &drain_arguments}, std::pair{undrain, &undrain_arguments}}) {
    command
        ->add_option("BACKEND", arguments->backend,
                     "Real server ADDRESS:PORT, e.g. 198.18.0.11:80 or [fd00::11]:80")
        ->required()
        ->check(checked_by(&xdplb::ctl::backend_argument_error, "ADDRESS:PORT"));
    command->add_option("--vip", arguments->vip, "Only in this virtual server, [tcp/|udp/]ADDRESS:PORT")
        ->check(checked_by(&xdplb::ctl::vip_argument_error, "VIP"));
  }
  drain->add_option("--wait", drain_wait_seconds,
                    "Then wait up to SECONDS until the server has no active flows left (exit 1 if it still has)")
      ->check(CLI::Range(1U, 86400U));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "xdplbctl: %s\n%s", e.what(), usage_of(app).c_str());
    return kExitUsage;
  }

  invocation.socket =
      socket.empty() ? xdplb::ctl::control_socket_for(invocation.instance) : std::filesystem::path(socket);
  invocation.timeout = std::chrono::milliseconds(static_cast<long long>(timeout_seconds * 1000));
  try {
    if (status->parsed()) return xdplb::ctl::run_status(invocation);
    if (list->parsed()) return xdplb::ctl::run_list(invocation);
    if (stats->parsed()) return xdplb::ctl::run_stats(invocation, rate);
    if (reload->parsed()) return xdplb::ctl::run_reload(invocation);
    if (verify->parsed()) return xdplb::ctl::run_verify(invocation);
    const auto optional_vip = [](const std::string& vip) {
      return vip.empty() ? std::nullopt : std::optional<std::string>(vip);
    };
    if (conns->parsed()) {
      conns_filter.vip = optional_vip(conns_vip);
      conns_filter.backend = optional_vip(conns_backend);
      return xdplb::ctl::run_conns(invocation, conns_filter);
    }
    if (drain->parsed())
      return xdplb::ctl::run_drain(invocation, drain_arguments.backend, optional_vip(drain_arguments.vip), true,
                                   drain_wait_seconds > 0 ? std::optional(std::chrono::seconds(drain_wait_seconds))
                                                          : std::nullopt);
    if (undrain->parsed())
      return xdplb::ctl::run_drain(invocation, undrain_arguments.backend, optional_vip(undrain_arguments.vip),
                                   false);
  } catch (const xdplb::ctl::AgentNotRunning& e) {
    std::fprintf(stderr, "xdplbctl: instance %s: %s\n", invocation.instance.c_str(), e.what());
    return kExitFailed;
  } catch (const xdplb::ctl::AgentRefused& e) {
    std::fprintf(stderr, "xdplbctl: xdplbd refused: %s\n", e.what());
    if (e.details().is_array())
      for (const auto& detail : e.details())
        std::fprintf(stderr, "  %s\n",
                     detail.is_string() ? detail.get<std::string>().c_str() : detail.dump().c_str());
    else if (!e.details().is_null())
      std::fprintf(stderr, "  %s\n", e.details().dump().c_str());
    return kExitFailed;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xdplbctl: %s\n", e.what());
    return kExitFailed;
  }
  std::fprintf(stderr, "xdplbctl: no command\n%s", app.help().c_str());
  return kExitUsage;
}
