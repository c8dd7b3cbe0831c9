// xdplbd: keepalived's control plane on an XDP data plane.
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>

#include "agent/agent.h"
#include "control/agent_commands.h"
#include "control/agent_metrics.h"
#include "control/control_server.h"
#include "control/dumps.h"
#include "control/metrics_server.h"
#include "common/process.h"
#include "common/sd_notify.h"
#include "common/unique_fd.h"
#include "config/dump_json.h"
#include "config/load.h"
#include "dataplane/bpffs.h"
#include "dataplane/xdp_program.h"
#include "xdplbd/dump_files.h"
#include "xdplbd/instance_lock.h"
#include "xdplbd/log_target.h"
#include "xdplbd/signals.h"

namespace {

constexpr const char* default_config_file = "/etc/xdplb/xdplb.conf";
constexpr const char* pid_directory = "/run/xdplb";

struct Options {
  std::string instance = "xdplb";
  std::string interface;
  std::optional<xdplb::config::XdpMode> xdp_mode;  // unset: global_defs xdp_mode
  std::string config_file = default_config_file;
  std::string pid_file;  // empty: /run/xdplb/<instance>.pid
  bool dont_fork = false;
  bool log_console = false;
  bool log_detail = false;
  bool keep_pins = false;
  std::string state_directory = "/var/lib/xdplb";  // drains live in <this>/<instance>/
  bool config_test = false;
  std::string config_test_output;  // keepalived's --config-test=FILE: the report goes there
  std::optional<std::string> signum;  // keepalived's --signum=FUNCTION: print its number, exit
  bool vrrp_only = false, checkers_only = false;  // keepalived's -P / -C: one process here
  xdplb::xdplbd::LogSettings log_settings;
  bool dump_config = false;
  bool strict = false;
  std::optional<std::string> config_id;  // -i: @ID lines; unset: the short host name
  std::string metrics_listen;  // empty: no metrics endpoint
};

// How the program is attached for an xdp_mode (of global_defs, or --xdp-mode).
xdplb::dataplane::AttachMode attach_mode_of(xdplb::config::XdpMode mode) {
  using xdplb::config::XdpMode;
  using xdplb::dataplane::AttachMode;
  switch (mode) {
    case XdpMode::native: return AttachMode::native;
    case XdpMode::generic: return AttachMode::generic;
    case XdpMode::best: return AttachMode::best;
  }
  return AttachMode::native;
}

// --xdp-mode takes the words of global_defs xdp_mode.
using XdpModeWords = std::vector<std::pair<std::string, xdplb::config::XdpMode>>;
XdpModeWords xdp_mode_words() {
  using xdplb::config::XdpMode;
  XdpModeWords words;
  for (const auto mode : {XdpMode::native, XdpMode::generic, XdpMode::best})
    words.emplace_back(xdplb::config::to_string(mode), mode);
  return words;
}

// The pid file, locked for the agent's lifetime so that a second agent of the same instance refuses
// to start; removed on exit.
class PidFile {
 public:
  explicit PidFile(std::string path) : path_(std::move(path)) {
    const auto directory = std::filesystem::path(path_).parent_path();
    std::error_code ec;
    if (!directory.empty()) std::filesystem::create_directories(directory, ec);
    fd_.reset(::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!fd_) throw std::runtime_error("cannot open pid file " + path_ + ": " + std::strerror(errno));
    if (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
      fd_.reset();
      throw std::runtime_error("pid file " + path_ +
                               " is locked: another xdplbd of this instance is running");
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_.get(), 0) != 0 ||
        ::write(fd_.get(), pid.data(), pid.size()) != static_cast<ssize_t>(pid.size()))
      throw std::runtime_error("cannot write pid file " + path_ + ": " + std::strerror(errno));
  }
  ~PidFile() {
    if (fd_) ::unlink(path_.c_str());
  }
  PidFile(const PidFile&) = delete;
  PidFile& operator=(const PidFile&) = delete;

 private:
  std::string path_;
  xdplb::UniqueFd fd_;
};

// Prints every diagnostic as FILE:LINE:COL: error|warning: WHAT; returns the loaded result.
// With `unserved`, the virtual servers the data plane will not serve (NAT, TUN, fwmark, ...) are
// among the warnings, or, under --strict, the errors: -t says what start-up would log. (Starting
// without --strict, the agent logs them itself.)
enum class Unserved { report, leave_to_the_agent };
xdplb::config::LoadResult load_and_report(const Options& opt, Unserved unserved_too, std::ostream& out = std::cerr) {
  xdplb::config::LoadOptions load_options;
  load_options.strict = opt.strict;
  load_options.config_id = opt.config_id;
  auto result = xdplb::config::load_config(opt.config_file, load_options);
  if (result.ok() && unserved_too == Unserved::report) {
    for (auto unserved : xdplb::agent::plan_services(*result.config).warnings) {
      if (opt.strict) unserved.severity = xdplb::config::Severity::error;
      result.diagnostics.push_back(std::move(unserved));
    }
    if (opt.strict && std::ranges::any_of(result.diagnostics, [](const auto& d) {
          return d.severity == xdplb::config::Severity::error;
        }))
      result.config.reset();
  }
  for (const auto& diagnostic : result.diagnostics) out << xdplb::config::format_diagnostic(diagnostic) << '\n';
  return result;
}

// -t on a usable file exits as keepalived 2.2.7's -t would on it, so a script that gates on
// `keepalived -t` gates alike: 0 when keepalived reports nothing, 5 (its KEEPALIVED_EXIT_CONFIG_TEST)
// when it reports something, 6 (KEEPALIVED_EXIT_CONFIG_TEST_SECURITY) on its script-security
// violation. A file with errors exits 1 before this: xdplbd would not start with it.
constexpr int kExitKeepalivedReports = 5;
constexpr int kExitScriptSecurity = 6;

int config_test_exit_status(const xdplb::config::LoadResult& result, std::ostream& report, const std::string& file) {
  using xdplb::config::KeepalivedReport;
  switch (xdplb::config::keepalived_verdict(result.diagnostics)) {
    case KeepalivedReport::none: return 0;
    case KeepalivedReport::config:
      report << "xdplbd: " << file << ": usable, with warnings keepalived 2.2.7 reports too (exit status "
             << kExitKeepalivedReports << ", as keepalived -t)\n";
      return kExitKeepalivedReports;
    case KeepalivedReport::script_security:
      report << "xdplbd: " << file << ": usable, with keepalived 2.2.7's script security violation (exit status "
             << kExitScriptSecurity << ", as keepalived -t)\n";
      return kExitScriptSecurity;
  }
  return 0;
}

// notify_stop and the other scripts the stop started get this long to finish before the loop ends
// (and kills whatever still runs).
constexpr auto kScriptGrace = std::chrono::seconds(3);

void wait_for_scripts_then_stop(asio::io_context& io, asio::steady_timer& timer,
                                std::chrono::steady_clock::time_point deadline) {
  if (xdplb::ChildProcess::unreaped() == 0 || std::chrono::steady_clock::now() >= deadline) {
    io.stop();
    return;
  }
  timer.expires_after(std::chrono::milliseconds(20));
  timer.async_wait([&io, &timer, deadline](const std::error_code&) { wait_for_scripts_then_stop(io, timer, deadline); });
}

int run(const Options& opt, const xdplb::config::Config& config, const std::string& interface,
        xdplb::dataplane::AttachMode attach_mode) {
  // First of all: a second agent of this instance must stop here, before it touches pins or VIPs.
  // (control_socket_path refuses an instance name that is not a plain file name.)
  (void)xdplb::control::control_socket_path(opt.instance);
  const xdplb::xdplbd::InstanceLock instance_lock(pid_directory, opt.instance);
  const PidFile pid_file(opt.pid_file.empty() ? std::string(pid_directory) + "/" + opt.instance + ".pid"
                                              : opt.pid_file);
  spdlog::info("instance {}: configuration {} loaded: {} vrrp_instance(s), {} virtual_server(s)",
               opt.instance, opt.config_file, config.vrrp_instances.size(), config.virtual_servers.size());

  asio::io_context io;
  xdplb::agent::AgentOptions agent_options;
  agent_options.instance = opt.instance;
  agent_options.config_file = opt.config_file;
  agent_options.strict = opt.strict;
  agent_options.config_id = opt.config_id;
  if (!interface.empty()) agent_options.interfaces.push_back(interface);
  agent_options.attach_mode = attach_mode;
  agent_options.keep_pins = opt.keep_pins;
  if (!opt.state_directory.empty())
    agent_options.state_directory = std::filesystem::path(opt.state_directory) / opt.instance;
  xdplb::agent::Agent agent(io, agent_options, config);

  // Declared after the agent: destroyed first, so no request reaches a half-destroyed agent.
  xdplb::control::ControlServerOptions control_options;
  control_options.socket_path = xdplb::control::control_socket_path(opt.instance);
  // A reload reads and plans the file off the loop and answers when applied; the rest answer at once.
  xdplb::control::ControlServer control(io, control_options, xdplb::control::agent_commands(agent));
  std::optional<xdplb::control::MetricsSnapshotSource> metrics_source;
  std::optional<xdplb::control::MetricsServer> metrics;  // after its source: stopped first
  if (!opt.metrics_listen.empty()) {
    xdplb::control::MetricsServerOptions metrics_options;
    metrics_options.listen = xdplb::control::parse_listen_address(opt.metrics_listen);
    metrics_source.emplace(agent);
    metrics.emplace(io, metrics_options, [&metrics_source] {
      return xdplb::control::agent_metric_families(metrics_source->take());
    });
  }

  // After the control socket: the dumps go first on the way out, the socket and the pid file next.
  const xdplb::xdplbd::DumpFiles dumps(pid_directory, opt.instance);

  int exit_status = 0;
  asio::steady_timer exit_timer(io);
  bool stopping = false;
  auto stop = [&](int sig) {
    if (stopping) return;
    stopping = true;
    spdlog::info("instance {}: {} received, stopping", opt.instance, xdplb::xdplbd::signal_name(sig));
    // A stop asked for by SIGTERM or SIGINT is a success; any other signal is not what a supervisor
    // expects, and 128+N says which one it was, as a death by that signal would have.
    if (sig != SIGTERM && sig != SIGINT) exit_status = 128 + sig;
    xdplb::sd_notify("STOPPING=1");
    agent.stop();
    wait_for_scripts_then_stop(io, exit_timer, std::chrono::steady_clock::now() + kScriptGrace);
  };
  auto act = [&](int sig, xdplb::xdplbd::SignalAction action) {
    using xdplb::xdplbd::SignalAction;
    switch (action) {
      case SignalAction::stop: return stop(sig);
      case SignalAction::reload:
        xdplb::sd_notify("RELOADING=1");
        // A refused reload has logged its reasons; the agent runs on as it was either way.
        return agent.reload_async([](std::exception_ptr, const xdplb::contract::Reload&) { xdplb::sd_notify("READY=1"); });
      case SignalAction::state_dump: return xdplb::control::write_state_dump(agent, dumps.state());
      case SignalAction::stats_dump: return xdplb::control::write_stats_dump(agent, dumps.stats());
      case SignalAction::stats_clear:
        // keepalived's order: the dump shows the counters being cleared.
        xdplb::control::write_stats_dump(agent, dumps.stats());
        return agent.clear_stats();
      case SignalAction::json_dump: return xdplb::control::write_json_dump(agent, dumps.json());
      case SignalAction::ignore:
        spdlog::warn("instance {}: {} ({}) has no meaning for xdplbd; ignored", opt.instance,
                     xdplb::xdplbd::signal_name(sig), sig);
        return;
    }
  };
  std::map<int, xdplb::xdplbd::SignalAction> actions;
  asio::signal_set signals(io);
  for (const auto& role : xdplb::xdplbd::caught_signals()) {
    actions.emplace(role.number, role.action);
    signals.add(role.number);
  }
  std::function<void(const std::error_code&, int)> on_signal = [&](const std::error_code& ec, int sig) {
    if (ec) return;
    try {
      act(sig, actions.at(sig));
    } catch (const std::exception& e) {
      spdlog::error("{}: {}", xdplb::xdplbd::signal_name(sig), e.what());
    }
    if (!stopping) signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);

  agent.start();
  xdplb::sd_notify("READY=1");
  io.run();
  return exit_status;
}

// One line naming the mistake, then the usage, as keepalived and most daemons do.
int usage_error(const CLI::App& app, const std::string& message) {
  std::cerr << "xdplbd: " << message << "\n\n" << app.help();
  return 2;
}

}  // namespace

// The command line for CLI11, last argument first, with keepalived's `--config-test=FILE` as the
// hidden `--config-test-report FILE`.
std::vector<std::string> report_file_arguments(int argc, char** argv) {
  std::vector<std::string> out;
  constexpr std::string_view attached = "--config-test=";
  for (int i = argc - 1; i > 0; --i) {
    const std::string_view word = argv[i];
    if (word.starts_with(attached)) {
      out.emplace_back(word.substr(attached.size()));
      out.emplace_back("--config-test-report");
    } else {
      out.emplace_back(word);
    }
  }
  return out;
}

int main(int argc, char** argv) {
  CLI::App app{"xdplbd - keepalived-compatible load balancer with an XDP data plane", "xdplbd"};
  app.set_version_flag("-v,--version", std::string("xdplbd ") + XDPLB_VERSION);
  app.footer(R"(Signals:
  SIGHUP          re-read the configuration and apply the difference; a file with errors changes nothing
  SIGUSR1         write the state to /run/xdplb/INSTANCE.data
  SIGUSR2         write the statistics to /run/xdplb/INSTANCE.stats
  SIGRTMIN+2      write status, list and stats as JSON to /run/xdplb/INSTANCE.json (keepalived's JSON)
  SIGRTMAX-1      write the statistics, then restart them at 0 (keepalived's STATS_CLEAR; metrics go on)
  SIGTERM SIGINT  stop: resign VRRP (priority 0), remove the VIPs, detach the program (see --keep-pins)
  SIGALRM SIGVTALRM SIGPROF SIGIO SIGPWR SIGSTKFLT SIGXCPU   stop as on SIGTERM, logged, exit status 128+N
  SIGXFSZ, other real-time signals   logged and ignored
  SIGPIPE         ignored
Files:
  /etc/xdplb/xdplb.conf              configuration (keepalived.conf grammar, see docs/configuration.md)
  /run/xdplb/INSTANCE.pid, .sock     pid file, control socket (xdplbctl)
  /run/xdplb/INSTANCE.data, .stats, .json   dumps; removed when the agent stops
  /sys/fs/bpf/xdplb/INSTANCE/        pinned maps (bpftool map dump pinned ...)
See also: xdplbctl --help)");
  Options opt;
  app.add_option("-f,--use-file", opt.config_file, "Configuration file (keepalived.conf grammar)")
      ->capture_default_str();
  app.add_flag("-t,--config-test", opt.config_test,
               "Check the configuration file, print every error and warning (to stderr, or to FILE with "
               "--config-test=FILE), and exit: 0 usable; 1 errors; 5 usable, but keepalived 2.2.7's -t reports it "
               "too; 6 usable, but with keepalived's script security violation");
  // keepalived's --config-test=FILE, only in that attached form (see report_file_arguments): a
  // separate word after -t is never taken for the report, which would overwrite it.
  app.add_option_function<std::string>("--config-test-report", [&opt](const std::string& file) {
       opt.config_test = true;
       opt.config_test_output = file;
     })
      ->group("");
  app.add_option("--signum", opt.signum,
                 "Print the number of the signal for keepalived's signal function STOP, RELOAD, DATA, STATS, "
                 "STATS_CLEAR or JSON, and exit (kill -s $(xdplbd --signum=JSON) PID)")
      ->option_text("FUNCTION");
  app.add_flag("-P,--vrrp", opt.vrrp_only, "keepalived's VRRP-only mode: accepted and ignored (one process here)");
  app.add_flag("-C,--check", opt.checkers_only,
               "keepalived's checkers-only mode: accepted and ignored (one process here)");
  app.add_option("-S,--log-facility", opt.log_settings.local_facility,
                 "Syslog facility LOCAL0-7 instead of DAEMON (as keepalived's -S)")
      ->option_text("0-7")
      ->check(CLI::Range(0, 7));
  app.add_option("-g,--log-file", opt.log_settings.file, "Also log to FILE (appended to)")->option_text("FILE");
  app.add_flag("-G,--no-syslog", opt.log_settings.no_syslog, "Do not log to syslog (without -l: only to -g's file)");
  app.add_flag("--dump-config", opt.dump_config, "Print the configuration as understood (JSON) and exit");
  app.add_flag("--strict", opt.strict, "Treat unknown keywords as errors");
  app.add_option("-i,--config-id", opt.config_id,
                 "Configuration id for keepalived's conditional lines: '@ID ...' counts only when ID is this, "
                 "'@^ID ...' only when it is not (default: the host name up to its first '.')")
      ->option_text("ID");
  app.add_option("-p,--pid-file,--pid", opt.pid_file, "Pid file (default /run/xdplb/INSTANCE.pid)");
  app.add_option("--instance", opt.instance,
                 "Instance name: names the BPF pin directory /sys/fs/bpf/xdplb/NAME, the control socket "
                 "and the pid file")
      ->capture_default_str();
  app.add_option(
      "--interface", opt.interface,
      "Serve every virtual_server on this interface (default: global_defs xdp_interface, else the "
      "interfaces of the vrrp_instances holding the VIPs)");
  const XdpModeWords mode_words = xdp_mode_words();
  app.add_option_function<std::string>(
         "--xdp-mode",
         [&opt, &mode_words](const std::string& word) {
           opt.xdp_mode = std::ranges::find(mode_words, word, &XdpModeWords::value_type::first)->second;
         },
         "XDP attach mode (default: global_defs xdp_mode, else native)")
      ->check(CLI::IsMember(mode_words));
  app.add_flag("-n,--dont-fork", opt.dont_fork, "Stay in the foreground");
  app.add_flag("-l,--log-console", opt.log_console, "Log to the console");
  app.add_flag("-D,--log-detail", opt.log_detail, "Detailed (debug) logging");
  app.add_flag("--keep-pins", opt.keep_pins,
               "On exit leave the maps pinned and the program attached: a restart keeps established flows");
  app.add_option("--state-directory", opt.state_directory,
                 "Keep the operator's drains across restarts in DIR/INSTANCE/drains.json (empty: not kept)")
      ->option_text("DIR")
      ->capture_default_str();
  app.add_option("--metrics-listen", opt.metrics_listen,
                 "Serve Prometheus metrics on ADDR:PORT (e.g. 127.0.0.1:9469; a bare port means 127.0.0.1)");
  auto arguments = report_file_arguments(argc, argv);
  try {
    app.parse(arguments);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(app, e.what());
  }

  // A write to a reader that went away (a notify FIFO, a client) fails with EPIPE where it happens;
  // the signal would end the agent without its clean-up. Scripts get the default back (process.cpp).
  ::signal(SIGPIPE, SIG_IGN);
  const auto log_target = xdplb::xdplbd::choose_log_target(opt.log_console);
  // Until the agent runs (and for -t) lines go to the terminal, or to the journal under systemd.
  try {
    spdlog::set_default_logger(xdplb::xdplbd::make_logger(
        log_target == xdplb::xdplbd::LogTarget::journal ? log_target : xdplb::xdplbd::LogTarget::console,
        opt.log_settings));
  } catch (const std::exception& e) {  // -g FILE that cannot be opened
    std::cerr << "xdplbd: cannot log to " << opt.log_settings.file << ": " << e.what() << '\n';
    return 1;
  }
  spdlog::set_level(opt.log_detail ? spdlog::level::debug : spdlog::level::info);

  if (opt.signum) {
    const auto number = xdplb::xdplbd::signal_for_function(*opt.signum);
    if (!number) {
      std::cerr << "Unknown sigfunc " << *opt.signum << '\n';
      return 1;
    }
    std::cout << *number << '\n';
    return 0;
  }
  if (opt.vrrp_only || opt.checkers_only)
    spdlog::warn("{}: xdplbd is one process: VRRP, the checkers and the data plane always run together; ignored",
                 opt.vrrp_only ? "-P/--vrrp" : "-C/--check");

  if (opt.config_test || opt.dump_config) {
    std::ofstream report_file;
    if (!opt.config_test_output.empty()) {
      report_file.open(opt.config_test_output, std::ios::trunc);
      if (!report_file) {
        std::cerr << "xdplbd: cannot write the config test's report to " << opt.config_test_output << ": "
                  << std::strerror(errno) << '\n';
        return 1;
      }
    }
    std::ostream& report = report_file.is_open() ? static_cast<std::ostream&>(report_file) : std::cerr;
    const auto result = load_and_report(opt, Unserved::report, report);
    if (!result.ok()) {
      report << "xdplbd: " << opt.config_file << ": configuration has errors\n";
      return 1;
    }
    if (opt.dump_config) std::cout << xdplb::config::dump_config_json(*result.config) << '\n';
    // keepalived's -t statuses belong to -t; --dump-config alone exits 0 on a usable file.
    return opt.config_test ? config_test_exit_status(result, report, opt.config_file) : 0;
  }

  const auto result = load_and_report(opt, opt.strict ? Unserved::report : Unserved::leave_to_the_agent);
  if (!result.ok()) {
    spdlog::error("{}: configuration has errors; not starting", opt.config_file);
    return 1;
  }
  const auto& config = *result.config;
  const std::string interface = opt.interface.empty() ? config.global.xdp_interface : opt.interface;
  // With vrrp_instances the agent attaches where the instances holding the VIPs live.
  if (interface.empty() && config.vrrp_instances.empty())
    return usage_error(app, "--interface (or global_defs xdp_interface) is required to run the agent "
                            "without vrrp_instance blocks");
  const auto attach_mode = attach_mode_of(opt.xdp_mode.value_or(config.global.xdp_mode));
  // Like keepalived: detach into the background unless -n, log to syslog unless -l.
  if (log_target == xdplb::xdplbd::LogTarget::syslog)
    spdlog::set_default_logger(xdplb::xdplbd::make_logger(log_target, opt.log_settings));
  spdlog::set_level(opt.log_detail ? spdlog::level::debug : spdlog::level::info);
  if (!opt.dont_fork && ::daemon(0, 0) != 0) {
    spdlog::error("cannot go to the background: {}", std::strerror(errno));
    return 1;
  }
  try {
    return run(opt, config, interface, attach_mode);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}
