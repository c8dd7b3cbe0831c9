// The files keepalived's dump signals write, /run/xdplb/INSTANCE.{data,stats,json}. They describe a
// running agent, so they go when it stops, with the socket and the pid file: a dump left behind
// would pass for the state of a later run. (After a kill -9 they stay until the next run stops.)
#pragma once

#include <filesystem>
#include <string>

namespace xdplb::xdplbd {

class DumpFiles {
 public:
  DumpFiles(std::filesystem::path directory, const std::string& instance);
  // Removes every dump file of the instance that exists.
  ~DumpFiles();
  DumpFiles(const DumpFiles&) = delete;
  DumpFiles& operator=(const DumpFiles&) = delete;

  std::filesystem::path state() const { return base("data"); }  // SIGUSR1
  std::filesystem::path stats() const { return base("stats"); }  // SIGUSR2, STATS_CLEAR
  std::filesystem::path json() const { return base("json"); }    // keepalived's JSON signal

 private:
  std::filesystem::path base(const char* suffix) const;

  std::filesystem::path directory_;
  std::string instance_;
};

}  // namespace xdplb::xdplbd
