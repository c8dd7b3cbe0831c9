// The BPF filesystem: where the data plane pins its maps and links.
#pragma once

#include <string>

namespace xdplb::dataplane {

inline constexpr const char* kBpffsRoot = "/sys/fs/bpf";

// True when `path` is on a mounted bpffs.
bool is_bpffs(const std::string& path);

// Mounts bpffs at kBpffsRoot unless one is already there. Throws std::system_error on failure.
void ensure_bpffs_mounted();

// The per-instance pin directory: /sys/fs/bpf/xdplb/<instance>.
std::string pin_dir_for_instance(const std::string& instance);

// Creates `dir` and its parents (mode 0700). Throws std::system_error on failure.
void make_pin_dir(const std::string& dir);

}  // namespace xdplb::dataplane
