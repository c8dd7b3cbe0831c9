// xdplbctl: shows and steers a running xdplbd.
#include <bpf/bpf.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include <CLI/CLI.hpp>

#include "common/unique_fd.h"
#include "dataplane/bpffs.h"
#include "dataplane/reasons.h"
#include "dataplane/xdp_program.h"

namespace {

int print_verdict_stats(const std::string& instance, bool json) {
  const std::string path = xdplb::dataplane::pin_dir_for_instance(instance) + "/xdplb_verdicts";
  xdplb::UniqueFd fd(bpf_obj_get(path.c_str()));
  if (!fd) {
    std::fprintf(stderr, "xdplbctl: cannot open %s: %s (is xdplbd --instance %s running?)\n", path.c_str(),
                 std::strerror(errno), instance.c_str());
    return 1;
  }
  if (json) std::printf("{\"instance\":\"%s\",\"verdicts\":{", instance.c_str());
  else std::printf("%-20s %15s %15s\n", "verdict", "packets", "bytes");
  for (unsigned r = 0; r < XDPLB_R__COUNT; ++r) {
    const auto c = xdplb::dataplane::read_percpu_counter(fd.get(), r);
    const auto name = xdplb::dataplane::reason_name(r);
    if (json)
      std::printf("%s\"%.*s\":{\"packets\":%llu,\"bytes\":%llu}", r ? "," : "", static_cast<int>(name.size()),
                  name.data(), static_cast<unsigned long long>(c.packets), static_cast<unsigned long long>(c.bytes));
    else
      std::printf("%-20.*s %15llu %15llu\n", static_cast<int>(name.size()), name.data(),
                  static_cast<unsigned long long>(c.packets), static_cast<unsigned long long>(c.bytes));
  }
  if (json) std::printf("}}\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"xdplbctl - show and steer a running xdplbd"};
  app.set_version_flag("-v,--version", std::string("xdplbctl ") + XDPLB_VERSION);
  app.require_subcommand(1);
  std::string instance = "xdplb";
  bool json = false;
  app.add_option("--instance", instance, "Agent instance name")->capture_default_str();
  app.add_flag("--json", json, "Machine-readable output");

  auto* stats = app.add_subcommand("stats", "Data plane counters, read from the pinned maps");
  CLI11_PARSE(app, argc, argv);

  try {
    if (stats->parsed()) return print_verdict_stats(instance, json);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xdplbctl: %s\n", e.what());
    return 1;
  }
  return 2;
}
