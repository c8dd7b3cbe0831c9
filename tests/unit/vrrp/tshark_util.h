// Writes Ethernet frames to a temporary pcap file and reads them back through tshark, so an
// independent dissector judges our bytes.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace xdplb::vrrp::test {

inline bool tshark_available() {
  for (const char* dir : {"/usr/bin", "/usr/local/bin", "/usr/sbin"})
    if (::access((std::string(dir) + "/tshark").c_str(), X_OK) == 0) return true;
  return false;
}

// A pcap file (Ethernet link type) that is removed when the object goes away.
class TempPcap {
 public:
  explicit TempPcap(const std::vector<std::vector<uint8_t>>& frames) {
    std::string pattern = (std::filesystem::temp_directory_path() / "xdplb-vrrp-XXXXXX.pcap").string();
    const int fd = ::mkstemps(pattern.data(), 5);
    if (fd < 0) throw std::runtime_error("cannot create a temporary pcap file");
    ::close(fd);
    path_ = pattern;
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    const auto put32 = [&](uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
    const auto put16 = [&](uint16_t v) { out.write(reinterpret_cast<const char*>(&v), 2); };
    put32(0xa1b2c3d4);  // native byte order, microsecond timestamps
    put16(2);
    put16(4);
    put32(0);
    put32(0);
    put32(65535);
    put32(1);  // LINKTYPE_ETHERNET
    uint32_t second = 1;
    for (const auto& frame : frames) {
      put32(second++);
      put32(0);
      put32(static_cast<uint32_t>(frame.size()));
      put32(static_cast<uint32_t>(frame.size()));
      out.write(reinterpret_cast<const char*>(frame.data()), static_cast<std::streamsize>(frame.size()));
    }
    if (!out) throw std::runtime_error("cannot write " + path_);
  }
  TempPcap(const TempPcap&) = delete;
  TempPcap& operator=(const TempPcap&) = delete;
  ~TempPcap() { std::filesystem::remove(path_); }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs `tshark -r FILE <arguments>` and returns its standard output, one string per line.
// Throws when tshark exits with an error.
inline std::vector<std::string> run_tshark(const TempPcap& pcap, const std::string& arguments) {
  const std::string command = "tshark -n -r '" + pcap.path() + "' " + arguments + " 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  if (!pipe) throw std::runtime_error("cannot run " + command);
  std::string output;
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe.get())) output.append(buffer, n);
  const int status = ::pclose(pipe.release());
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error(command + " failed");
  std::vector<std::string> lines;
  std::istringstream stream(output);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

}  // namespace xdplb::vrrp::test
