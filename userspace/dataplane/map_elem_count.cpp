#include "dataplane/map_elem_count.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/unique_fd.h"
#include "map_elem_count_bpf.skel.h"

namespace xdplb::dataplane {

void MapElementCount::SkeletonDestroy::operator()(::map_elem_count_bpf* skel) const {
  map_elem_count_bpf__destroy(skel);
}

MapElementCount::MapElementCount(int map_fd) {
  bpf_map_info info{};
  std::uint32_t length = sizeof(info);
  if (bpf_obj_get_info_by_fd(map_fd, &info, &length) != 0) {
    reason_ = std::string("cannot read the map's info: ") + std::strerror(errno);
    return;
  }
  capacity_ = info.max_entries;
  skel_.reset(map_elem_count_bpf__open());
  if (!skel_) {
    reason_ = std::string("cannot open the counting program: ") + std::strerror(errno);
    return;
  }
  if (const int err = map_elem_count_bpf__load(skel_.get()); err) {
    reason_ = std::string("cannot load the counting program (bpf_map_sum_elem_count needs Linux 6.6 or later, and "
                          "CAP_BPF with CAP_PERFMON): ") +
              std::strerror(-err);
    skel_.reset();
    return;
  }
  skel_->bss->target_map_id = info.id;
  bpf_link* link = bpf_program__attach_iter(skel_->progs.count_map_elements, nullptr);
  if (!link) {
    reason_ = std::string("cannot attach the counting iterator: ") + std::strerror(errno);
    skel_.reset();
    return;
  }
  link_ = link;
}

MapElementCount::~MapElementCount() {
  if (link_) bpf_link__destroy(link_);
}

std::optional<std::uint64_t> MapElementCount::count() const {
  if (!link_) return std::nullopt;
  const UniqueFd iter(bpf_iter_create(bpf_link__fd(link_)));
  if (!iter) return std::nullopt;
  std::int64_t value = -1;
  std::size_t got = 0;
  auto* bytes = reinterpret_cast<char*>(&value);
  while (got < sizeof(value)) {
    const ssize_t n = ::read(iter.get(), bytes + got, sizeof(value) - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;  // the map is gone (no line for its id) or the read failed
    got += static_cast<std::size_t>(n);
  }
  // The per-CPU sum can read a little below zero while CPUs add and remove concurrently.
  return value < 0 ? 0 : static_cast<std::uint64_t>(value);
}

}  // namespace xdplb::dataplane
