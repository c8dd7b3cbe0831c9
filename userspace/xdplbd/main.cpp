// xdplbd: keepalived's control plane on an XDP data plane.
#include <net/if.h>
#include <signal.h>

#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "dataplane/bpffs.h"
#include "dataplane/xdp_program.h"

namespace {

struct Options {
  std::string instance = "xdplb";
  std::string interface;
  std::string xdp_mode = "native";
  bool dont_fork = false;
  bool log_console = false;
  bool log_detail = false;
  bool keep_pins = false;
};

xdplb::dataplane::AttachMode parse_mode(const std::string& m) {
  if (m == "generic") return xdplb::dataplane::AttachMode::generic;
  if (m == "best") return xdplb::dataplane::AttachMode::best;
  return xdplb::dataplane::AttachMode::native;
}

// Blocks until SIGINT or SIGTERM; both are blocked so no handler races the teardown.
int wait_for_stop_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

int run(const Options& opt) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  const unsigned ifindex = if_nametoindex(opt.interface.c_str());
  if (ifindex == 0) {
    spdlog::error("interface {} not found", opt.interface);
    return 1;
  }
  xdplb::dataplane::ensure_bpffs_mounted();
  auto program = xdplb::dataplane::XdpProgram::load(xdplb::dataplane::pin_dir_for_instance(opt.instance));
  const auto mode = program->attach(static_cast<int>(ifindex), parse_mode(opt.xdp_mode));
  spdlog::info("instance {}: XDP program attached to {} ({} mode), maps pinned under {}", opt.instance,
               opt.interface, xdplb::dataplane::to_string(mode), program->pin_dir());

  const int sig = wait_for_stop_signal();
  spdlog::info("instance {}: signal {} received, detaching from {}", opt.instance, sig, opt.interface);
  program->detach_all();
  if (!opt.keep_pins) program->unpin_maps();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"xdplbd - keepalived-compatible load balancer with an XDP data plane"};
  app.set_version_flag("-v,--version", std::string("xdplbd ") + XDPLB_VERSION);
  Options opt;
  app.add_option("--instance", opt.instance,
                 "Instance name: names the BPF pin directory /sys/fs/bpf/xdplb/NAME, the control socket "
                 "and the pid file")
      ->capture_default_str();
  app.add_option("--interface", opt.interface, "Serve every virtual_server on this interface, without VRRP")
      ->required();
  app.add_option("--xdp-mode", opt.xdp_mode, "XDP attach mode")
      ->check(CLI::IsMember({"native", "generic", "best"}))
      ->capture_default_str();
  app.add_flag("-n,--dont-fork", opt.dont_fork, "Stay in the foreground");
  app.add_flag("-l,--log-console", opt.log_console, "Log to the console");
  app.add_flag("-D,--log-detail", opt.log_detail, "Detailed (debug) logging");
  app.add_flag("--keep-pins", opt.keep_pins, "Leave the maps pinned on exit (restart without losing flows)");
  CLI11_PARSE(app, argc, argv);

  spdlog::set_default_logger(spdlog::stderr_color_mt("xdplbd"));
  spdlog::set_level(opt.log_detail ? spdlog::level::debug : spdlog::level::info);
  try {
    return run(opt);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}
