// Child processes (health-check scripts, VRRP notify scripts, vrrp_script) run on the agent's
// single event loop: spawning, waiting and killing never block it, and every child is reaped.
#pragma once

#include <sys/types.h>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace xdplb {

// A script string that cannot be split into argv (unterminated quote, trailing backslash, empty).
class CommandLineError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Splits a keepalived script string into argv the way a POSIX shell would split words, without
// running a shell: blanks separate words, 'single quotes' are literal, "double quotes" honour
// backslash before " \ $ `, and a backslash outside quotes escapes the next character.
std::vector<std::string> split_command_line(std::string_view command);

// The inverse: a command string that split_command_line turns back into exactly `argv` (every word
// single-quoted), for the places that carry a command as text after its words were checked.
std::string join_command_line(const std::vector<std::string>& argv);

struct ProcessOptions {
  std::vector<std::string> argv;  // argv[0] without '/' is looked up in PATH
  std::optional<uid_t> uid{};     // drop to this user (script_user) before exec
  std::optional<gid_t> gid{};     // and this group; supplementary groups are reduced to it
  // After this long the whole process group gets SIGTERM; zero means no limit.
  std::chrono::milliseconds timeout{0};
  // Time between SIGTERM and SIGKILL, for timeouts and terminate().
  std::chrono::milliseconds kill_grace{1000};
};

struct ProcessResult {
  enum class Status {
    exited,        // exit_code is valid
    signaled,      // killed by term_signal, not by us
    timed_out,     // we killed it after ProcessOptions::timeout
    terminated,    // we killed it because terminate() was called
    spawn_failed,  // never ran: error says why (fork, exec, setuid, ...)
  };
  Status status = Status::spawn_failed;
  int exit_code = -1;
  int term_signal = 0;
  pid_t pid = -1;
  std::string error;
  std::chrono::steady_clock::duration runtime{};

  bool succeeded() const { return status == Status::exited && exit_code == 0; }
  // "exited with status 1", "killed by signal 9 (Killed)", "timed out after 2000 ms", ...
  std::string describe() const;
};

// One running child. spawn() returns at once; the exit handler runs later on the loop, exactly
// once, also when the spawn itself failed. The object keeps itself alive until the child is
// reaped, so callers may drop the returned pointer if they do not need terminate().
class ChildProcess : public std::enable_shared_from_this<ChildProcess> {
 public:
  using ExitHandler = std::function<void(const ProcessResult&)>;

  static std::shared_ptr<ChildProcess> spawn(asio::io_context& io, ProcessOptions options,
                                             ExitHandler on_exit);

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  // Still running when the loop is torn down: the group is SIGKILLed and reaped so no zombie or
  // orphan outlives the agent.
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  bool running() const { return !reaped_; }
  // Children started and not reaped yet, in this process: an exiting agent waits for its notify_stop
  // scripts with it.
  static std::size_t unreaped();
  // SIGTERM to the process group now, SIGKILL after kill_grace; the handler reports `terminated`.
  void terminate();

  struct PrivateTag {};
  ChildProcess(PrivateTag, asio::io_context& io, ProcessOptions options, ExitHandler on_exit);

 private:
  void launch();
  void wait_for_exit();
  void on_child_ready();
  void begin_kill(ProcessResult::Status reason);
  void deliver(ProcessResult result);

  asio::io_context& io_;
  ProcessOptions options_;
  ExitHandler on_exit_;
  pid_t pid_ = -1;
  int exec_error_fd_ = -1;  // read end of the CLOEXEC pipe the child reports exec errors on
  asio::posix::stream_descriptor pidfd_;
  asio::steady_timer timeout_timer_;
  asio::steady_timer kill_timer_;
  std::chrono::steady_clock::time_point started_;
  std::optional<ProcessResult::Status> killed_because_;
  bool reaped_ = false;
};

}  // namespace xdplb
