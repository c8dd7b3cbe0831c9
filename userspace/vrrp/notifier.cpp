#include "vrrp/notifier.h"

#include "vrrp/notify_fifo.h"

#include <spdlog/spdlog.h>

#include "common/process.h"

namespace xdplb::vrrp {

std::vector<NotifyCall> notify_calls(const NotifyCommands& commands, NotifySubject subject, const std::string& name,
                                     State state, int priority) {
  std::vector<NotifyCall> calls;
  const std::string* specific = nullptr;
  const std::optional<NotifyRunAs>* specific_as = nullptr;
  const char* which = "";
  switch (state) {
    case State::master: specific = &commands.master, specific_as = &commands.master_as, which = "notify_master"; break;
    case State::backup: specific = &commands.backup, specific_as = &commands.backup_as, which = "notify_backup"; break;
    case State::fault: specific = &commands.fault, specific_as = &commands.fault_as, which = "notify_fault"; break;
    case State::initialize: specific = &commands.stop, specific_as = &commands.stop_as, which = "notify_stop"; break;
  }
  if (specific && !specific->empty()) calls.push_back({which, split_command_line(*specific), *specific_as});
  if (!commands.any.empty()) {
    NotifyCall call{"notify", split_command_line(commands.any), commands.any_as};
    call.argv.emplace_back(subject == NotifySubject::instance ? "INSTANCE" : "GROUP");
    call.argv.push_back(name);
    call.argv.emplace_back(to_string(state, StateSpelling::notify));
    call.argv.push_back(std::to_string(priority));
    calls.push_back(std::move(call));
  }
  return calls;
}

Notifier::Notifier(asio::io_context& io, NotifyRunAs run_as, std::chrono::milliseconds timeout,
                   std::vector<NotifyFifo*> fifos)
    : io_(io), run_as_(run_as), timeout_(timeout), fifos_(std::move(fifos)) {}

void Notifier::notify(const NotifyCommands& commands, NotifySubject subject, const std::string& name, State state,
                      int priority) {
  if (!fifos_.empty()) {
    const std::string line = notify_fifo_line(subject, name, state, priority);
    for (auto* fifo : fifos_) fifo->write_line(line);
  }
  std::vector<NotifyCall> calls;
  try {
    calls = notify_calls(commands, subject, name, state, priority);
  } catch (const CommandLineError& e) {
    spdlog::error("({}) notify script not run: {}", name, e.what());
    return;
  }
  for (auto& call : calls) {
    ProcessOptions options;
    options.argv = std::move(call.argv);
    const NotifyRunAs& run_as = call.run_as ? *call.run_as : run_as_;
    options.uid = run_as.uid;
    options.gid = run_as.gid;
    options.timeout = timeout_;
    const std::string what = "(" + name + ") " + call.which;
    ChildProcess::spawn(io_, std::move(options), [what](const ProcessResult& r) {
      if (r.succeeded())
        spdlog::debug("{} done", what);
      else
        spdlog::warn("{} {}", what, r.describe());
    });
  }
}

}  // namespace xdplb::vrrp
