// Runs the real xdplbd binary (XDPLBD_PATH, set for unit_config) as a user would.
#pragma once

#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace xdplb::config::test {

struct Run {
  int exit_code = -1;
  std::string output;
};

// Runs xdplbd with `arguments` (shell words), collecting stdout and, when asked, stderr.
inline Run run_xdplbd(const std::string& arguments, bool with_stderr = true) {
  const std::string command =
      std::string(XDPLBD_PATH) + " " + arguments + (with_stderr ? " 2>&1" : " 2>/dev/null");
  Run run;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  std::size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) run.output.append(buffer, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

}  // namespace xdplb::config::test
