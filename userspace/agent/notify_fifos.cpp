#include "agent/notify_fifos.h"

#include <system_error>

#include <spdlog/spdlog.h>

#include "config/check_scripts.h"

namespace xdplb::agent {

namespace {

// "tcp/198.18.0.100:80" -> {"tcp", "198.18.0.100:80"}; empty protocol when the name has no '/'.
std::pair<std::string, std::string> split_service(const std::string& name) {
  const auto slash = name.find('/');
  if (slash == std::string::npos || name.find('/', slash + 1) != std::string::npos) return {"", name};
  return {name.substr(0, slash), name.substr(slash + 1)};
}

// "198.18.0.11:80" / "[fd00::11]:80" / "198.18.0.100:*" -> "[address]:protocol:port".
std::string trio(const std::string& endpoint, const std::string& protocol) {
  const auto colon = endpoint.rfind(':');
  if (colon == std::string::npos) return "[" + endpoint + "]";
  std::string address = endpoint.substr(0, colon);
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']')
    address = address.substr(1, address.size() - 2);
  std::string port = endpoint.substr(colon + 1);
  if (port == "*") port = "0";  // a port-0 (every port) service, as keepalived prints it
  return "[" + address + "]:" + protocol + ":" + port;
}

}  // namespace

std::string fifo_endpoint(const std::string& virtual_server, const std::string& real_server) {
  const auto [protocol, endpoint] = split_service(virtual_server);
  if (protocol.empty()) return real_server.empty() ? "[" + virtual_server + "]" : "[" + real_server + "]";
  return trio(real_server.empty() ? endpoint : real_server, protocol);
}

std::string real_server_fifo_line(const std::string& virtual_server, const std::string& real_server, bool up) {
  return "RS " + fifo_endpoint(virtual_server, real_server) + " " + fifo_endpoint(virtual_server) +
         (up ? " UP\n" : " DOWN\n");
}

std::string virtual_server_fifo_line(const std::string& virtual_server, bool up) {
  return "VS " + fifo_endpoint(virtual_server) + (up ? " UP\n" : " DOWN\n");
}

NotifyFifos::NotifyFifos(asio::io_context& io, const config::GlobalDefs& g, const UserDatabase& users) : io_(io) {
  struct Configured {
    const std::string* fifo;
    const config::ScriptCommand* script;
    std::string_view keyword;
  };
  const std::vector<Configured> configured = {{&g.notify_fifo, &g.notify_fifo_script, "notify_fifo_script"},
                                              {&g.vrrp_notify_fifo, &g.vrrp_notify_fifo_script, "vrrp_notify_fifo_script"},
                                              {&g.lvs_notify_fifo, &g.lvs_notify_fifo_script, "lvs_notify_fifo_script"}};
  try {
    for (const auto& [fifo, script, keyword] : configured) {
      if (fifo->empty()) continue;
      if (fifo == &g.lvs_notify_fifo && *fifo == g.notify_fifo) {  // one FIFO named twice: one line each
        if (!script->empty() && *script != g.notify_fifo_script) add_reader(*script, *fifo, keyword, g, users);
        continue;
      }
      opened_.push_back(std::make_unique<NotifyFifo>(*fifo));
      if (fifo != &g.vrrp_notify_fifo) checker_fifos_.push_back(opened_.back().get());
      if (!script->empty()) add_reader(*script, *fifo, keyword, g, users);
    }
  } catch (const std::system_error& e) {
    throw std::runtime_error(e.what());
  }
}

NotifyFifos::~NotifyFifos() { stop(); }

void NotifyFifos::add_reader(const config::ScriptCommand& script, const std::string& fifo, std::string_view keyword,
                             const config::GlobalDefs& global, const UserDatabase& users) {
  auto planned = plan_script(script.command, script.user, script.group, config::script_defaults(global), users);
  if (!planned.runnable()) {
    const auto& where = global.keywords.at_or(keyword, global.location);
    spdlog::warn("{}:{}: {} is disabled: {}", where.file_name(), where.line, keyword, planned.why_not());
    return;
  }
  readers_.push_back({script.command, std::move(planned), fifo});
}

bool NotifyFifos::same_settings(const config::GlobalDefs& a, const config::GlobalDefs& b) {
  return a.notify_fifo == b.notify_fifo && a.notify_fifo_script == b.notify_fifo_script &&
         a.vrrp_notify_fifo == b.vrrp_notify_fifo && a.vrrp_notify_fifo_script == b.vrrp_notify_fifo_script &&
         a.lvs_notify_fifo == b.lvs_notify_fifo && a.lvs_notify_fifo_script == b.lvs_notify_fifo_script;
}

void NotifyFifos::start() {
  for (const auto& r : readers_) {
    ProcessOptions options;
    options.argv = r.planned.argv;
    options.argv.push_back(r.fifo);
    options.uid = r.planned.identity.uid;
    options.gid = r.planned.identity.gid;
    const std::string what = "notify FIFO script " + r.script;
    reader_processes_.push_back(ChildProcess::spawn(io_, std::move(options), [what](const ProcessResult& result) {
      spdlog::info("{} ended: {}", what, result.describe());
    }));
  }
}

void NotifyFifos::stop() {
  for (auto& p : reader_processes_)
    if (p && p->running()) p->terminate();
  reader_processes_.clear();
}

void NotifyFifos::real_server_changed(const std::string& virtual_server, const std::string& real_server, bool up) {
  write_checker_line(real_server_fifo_line(virtual_server, real_server, up));
}

void NotifyFifos::quorum_changed(const std::string& virtual_server, bool up) {
  write_checker_line(virtual_server_fifo_line(virtual_server, up));
}

void NotifyFifos::write_checker_line(const std::string& line) {
  for (auto* fifo : checker_fifos_) fifo->write_line(line);
}

}  // namespace xdplb::agent
