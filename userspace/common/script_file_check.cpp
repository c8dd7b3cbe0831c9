#include "common/script_file_check.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace xdplb {

namespace {

// keepalived's notion of "may execute": the owner bits for the owner, the group bits for the
// script's group, else the others' bits; root needs any x bit. Supplementary groups do not count:
// a script runs with its one group only (common/process.cpp reduces them).
bool executable_by(const struct stat& st, uid_t uid, gid_t gid) {
  const auto mode = st.st_mode;
  if (uid == 0) return (mode & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0;
  if (uid == st.st_uid) return (mode & S_IXUSR) != 0;
  if (gid == st.st_gid) return (mode & S_IXGRP) != 0;
  return (mode & S_IXOTH) != 0;
}

std::string mode_text(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

std::string ids_text(uid_t uid, gid_t gid) { return "uid:gid " + std::to_string(uid) + ":" + std::to_string(gid); }

std::optional<std::string> real_path(const std::string& path, std::string& error) {
  const std::unique_ptr<char, decltype(&std::free)> resolved(::realpath(path.c_str(), nullptr), &std::free);
  if (!resolved) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  return std::string(resolved.get());
}

std::string search_path() {
  if (const char* path = std::getenv("PATH"); path != nullptr) return path;
  const std::size_t size = ::confstr(_CS_PATH, nullptr, 0);
  std::string path(size, '\0');
  ::confstr(_CS_PATH, path.data(), size);
  path.resize(size > 0 ? size - 1 : 0);
  return path;
}

// A bare program name, found the way execvp would, but for the script's user rather than ours.
void find_in_path(ScriptFileVerdict& verdict, uid_t uid, gid_t gid) {
  const std::string name = verdict.program;
  const std::string path = search_path();
  bool denied = false;
  std::size_t begin = 0;
  while (begin <= path.size()) {
    const std::size_t end = std::min(path.find(':', begin), path.size());
    const std::string dir = end == begin ? "." : path.substr(begin, end - begin);
    const std::string candidate = dir + "/" + name;
    struct stat st{};
    if (::stat(candidate.c_str(), &st) == 0) {
      if (S_ISREG(st.st_mode) && executable_by(st, uid, gid)) {
        verdict.program = candidate;
        verdict.warnings.push_back("script '" + name + "' was found by a PATH search as " + candidate +
                                   "; write the full path");
        return;
      }
      denied = true;
    }
    begin = end + 1;
  }
  verdict.disabled = denied ? "'" + name + "' is in PATH but not executable by " + ids_text(uid, gid)
                            : "'" + name + "' was not found in PATH (" + path + ")";
}

// Why `st` lets someone other than root change what runs, or nothing. Sticky directories (/tmp)
// are fine: nobody but a file's owner may replace it there.
std::optional<std::string> unsafe_because(const std::string& path, const struct stat& st) {
  if (st.st_uid != 0) return path + " is owned by uid " + std::to_string(st.st_uid) + ", not root";
  const bool guarded = S_ISREG(st.st_mode) || (S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX) == 0);
  if (!guarded) return std::nullopt;
  if (st.st_gid != 0 && (st.st_mode & S_IWGRP) != 0)
    return path + " is writable by group " + std::to_string(st.st_gid) + " (mode " + mode_text(st.st_mode) + ")";
  if ((st.st_mode & S_IWOTH) != 0) return path + " is writable by everyone (mode " + mode_text(st.st_mode) + ")";
  return std::nullopt;
}

// The parts of an absolute path, each as a path: "/etc/x.sh" -> "/", "/etc", "/etc/x.sh".
std::vector<std::string> path_prefixes(const std::string& path) {
  std::vector<std::string> prefixes{"/"};
  for (std::size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1))
    prefixes.push_back(path.substr(0, slash));
  if (path != "/") prefixes.push_back(path);
  return prefixes;
}

// Every part of the absolute `path`, not following symbolic links: directories up to the last
// part, then a file or a link (whose target is walked separately). The first unsafe part decides.
void walk_path(const std::string& path, bool script_security, ScriptFileVerdict& verdict) {
  const auto prefixes = path_prefixes(path);
  for (std::size_t i = 0; i < prefixes.size(); ++i) {
    const std::string& part = prefixes[i];
    const bool last = i + 1 == prefixes.size();
    struct stat st{};
    if (::lstat(part.c_str(), &st) != 0) {
      verdict.disabled = "cannot inspect " + part + ": " + std::strerror(errno);
      return;
    }
    if (last ? !(S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) : !S_ISDIR(st.st_mode)) {
      verdict.disabled = part + " is not a " + (last ? "file" : "directory");
      return;
    }
    if (const auto why = unsafe_because(part, st)) {
      const std::string text = "unsafe permissions: " + *why + ", and the script runs with root's rights";
      if (script_security)
        verdict.disabled = text + " (enable_script_security)";
      else
        verdict.warnings.push_back(text + "; enable_script_security would disable it");
      return;
    }
  }
}

}  // namespace

ScriptFileVerdict check_script_file(const std::string& program, uid_t uid, gid_t gid, bool script_security) {
  ScriptFileVerdict verdict;
  verdict.program = program;
  if (program.empty()) {
    verdict.disabled = "the command is empty";
    return verdict;
  }
  if (program.find('/') == std::string::npos) {
    find_in_path(verdict, uid, gid);
    if (verdict.disabled) return verdict;
  }
  std::string error;
  const auto real = real_path(verdict.program, error);
  if (!real) {
    verdict.disabled = "cannot access " + verdict.program + ": " + error;
    return verdict;
  }
  struct stat st{};
  if (::stat(real->c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    verdict.disabled = verdict.program + " is not a regular file";
    return verdict;
  }
  if (!executable_by(st, uid, gid)) {
    verdict.disabled = verdict.program + " is not executable by " + ids_text(uid, gid) + " (mode " +
                       mode_text(st.st_mode) + ", owner " + std::to_string(st.st_uid) + ":" +
                       std::to_string(st.st_gid) + ")";
    return verdict;
  }
  const bool root_power = uid == 0 || gid == 0 ||
                          (st.st_uid == 0 && (st.st_mode & S_IXUSR) && (st.st_mode & S_ISUID)) ||
                          (st.st_gid == 0 && (st.st_mode & S_IXGRP) && (st.st_mode & S_ISGID));
  if (!root_power) return verdict;
  // The path as written with its directories resolved (the name itself may be a link: keepalived
  // keeps it, since some programs act on the name they are called by), then the link's target.
  const auto slash = verdict.program.rfind('/');
  const std::string directory = slash == 0 ? "/" : verdict.program.substr(0, slash);
  const auto real_directory = real_path(directory, error);
  if (!real_directory) {
    verdict.disabled = "cannot access " + directory + ": " + error;
    return verdict;
  }
  const std::string as_written =
      (*real_directory == "/" ? "" : *real_directory) + "/" + verdict.program.substr(slash + 1);
  walk_path(as_written, script_security, verdict);
  if (!verdict.disabled && *real != as_written) walk_path(*real, script_security, verdict);
  return verdict;
}

}  // namespace xdplb
