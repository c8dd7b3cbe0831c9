// Replacing a file so that a reader (or the next run after a crash or power loss) sees either the
// old contents or the new, never a part: write a temporary beside it, fsync, rename over, fsync the
// directory.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

namespace xdplb {

// Throws std::runtime_error naming `path` and the system error; the old file is then untouched and no
// temporary is left behind.
void replace_file_atomically(const std::filesystem::path& path, const std::string& contents, mode_t mode = 0600);

}  // namespace xdplb
