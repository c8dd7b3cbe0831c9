// keepalived's notify FIFOs as the agent runs them. Every configured FIFO is created when missing
// and its reader script (notify_fifo_script, vrrp_notify_fifo_script, lvs_notify_fifo_script) runs for
// as long as the configuration names it, started before the first line can be written. The VRRP
// lines are written by the vrrp library; this class writes the checkers' lines, in keepalived's words,
// to notify_fifo and lvs_notify_fifo:
//   RS [198.18.0.11]:tcp:80 [198.18.0.100]:tcp:80 DOWN
//   VS [198.18.0.100]:tcp:80 UP
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>

#include "common/notify_fifo.h"
#include "common/process.h"
#include "common/script_identity.h"
#include "config/model.h"

namespace xdplb::agent {

// keepalived's name of a service endpoint, "[address]:protocol:port", from the agent's names: a
// virtual server "tcp/198.18.0.100:80" (or "udp/[fd00::100]:53"), a real server "198.18.0.11:80" of
// it. Names of another form (virtual_server_group services) come back as "[name]".
std::string fifo_endpoint(const std::string& virtual_server, const std::string& real_server = {});
std::string real_server_fifo_line(const std::string& virtual_server, const std::string& real_server, bool up);
std::string virtual_server_fifo_line(const std::string& virtual_server, bool up);

class NotifyFifos {
 public:
  // Creates and opens the FIFOs `global` names. Throws std::runtime_error when one cannot be. Each
  // reader script is planned by the one script rule (common/script_identity.h): its user, and a
  // disabled script is logged and not started.
  NotifyFifos(asio::io_context& io, const config::GlobalDefs& global,
              const UserDatabase& users = system_user_database());
  ~NotifyFifos();
  NotifyFifos(const NotifyFifos&) = delete;
  NotifyFifos& operator=(const NotifyFifos&) = delete;

  // True when `a` and `b` name the same FIFOs and scripts (a reload then keeps the readers running).
  static bool same_settings(const config::GlobalDefs& a, const config::GlobalDefs& b);

  void start();  // the reader scripts
  void stop();   // terminates them

  void real_server_changed(const std::string& virtual_server, const std::string& real_server, bool up);
  void quorum_changed(const std::string& virtual_server, bool up);

  struct Reader {
    std::string script;     // as configured, for the log
    PlannedScript planned;  // what runs, as whom
    std::string fifo;
  };
  // The reader scripts start() runs; a disabled one is not among them.
  const std::vector<Reader>& readers() const { return readers_; }

 private:
  void add_reader(const config::ScriptCommand& script, const std::string& fifo, std::string_view keyword,
                  const config::GlobalDefs& global, const UserDatabase& users);
  void write_checker_line(const std::string& line);

  asio::io_context& io_;
  std::vector<Reader> readers_;
  std::vector<std::unique_ptr<NotifyFifo>> opened_;     // every configured FIFO, kept open
  std::vector<NotifyFifo*> checker_fifos_;              // notify_fifo and lvs_notify_fifo
  std::vector<std::shared_ptr<ChildProcess>> reader_processes_;
};

}  // namespace xdplb::agent
