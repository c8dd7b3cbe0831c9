#include "xdplbctl/maps_stats.h"

#include <bpf/bpf.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "common/unique_fd.h"
#include "dataplane/bpffs.h"
#include "dataplane/reasons.h"
#include "dataplane/xdp_program.h"

namespace xdplb::ctl {

contract::Stats read_pinned_stats(const std::string& instance) {
  const std::string path = dataplane::pin_dir_for_instance(instance) + "/xdplb_verdicts";
  UniqueFd fd(bpf_obj_get(path.c_str()));
  if (!fd) throw std::runtime_error("cannot open pinned map " + path + ": " + std::strerror(errno));
  contract::Stats stats;
  stats.source = contract::StatsSource::maps;
  for (unsigned reason = 0; reason < XDPLB_R__COUNT; ++reason) {
    const auto counter = dataplane::read_percpu_counter(fd.get(), reason);
    stats.verdicts[std::string(dataplane::reason_name(reason))] = {counter.packets, counter.bytes};
  }
  return stats;
}

}  // namespace xdplb::ctl
