#include "common/process.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio/post.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace xdplb {
namespace {

// What the child writes to the exec-error pipe when it cannot become the requested program.
struct SpawnFailure {
  int stage;  // index into kSpawnStages
  int error;  // errno
};

constexpr const char* kSpawnStages[] = {"setpgid", "open /dev/null", "dup2", "setgroups",
                                        "setgid",  "setuid",         "exec"};
enum SpawnStage { kSetpgid, kDevNull, kDup2, kSetgroups, kSetgid, kSetuid, kExec };

// Runs in the forked child: only async-signal-safe calls from here on.
[[noreturn]] void fail_in_child(int pipe_fd, SpawnStage stage) {
  SpawnFailure failure{stage, errno};
  ssize_t ignored = ::write(pipe_fd, &failure, sizeof failure);
  (void)ignored;
  ::_exit(127);
}

[[noreturn]] void become_program(int pipe_fd, const char* path, char* const* argv,
                                 const std::optional<uid_t>& uid, const std::optional<gid_t>& gid) {
  // Its own process group, so a timeout kills whatever the script forked too.
  if (::setpgid(0, 0) != 0) fail_in_child(pipe_fd, kSetpgid);

  // The agent's signal dispositions and mask must not leak into scripts.
  sigset_t all;
  ::sigemptyset(&all);
  ::sigprocmask(SIG_SETMASK, &all, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
  }

  // Scripts talk through their exit status, as with keepalived; stdio goes to /dev/null.
  int null_fd = ::open("/dev/null", O_RDWR);
  if (null_fd < 0) fail_in_child(pipe_fd, kDevNull);
  for (int fd = 0; fd <= 2; ++fd) {
    if (::dup2(null_fd, fd) < 0) fail_in_child(pipe_fd, kDup2);
  }
  if (null_fd > 2) ::close(null_fd);

  if (gid) {
    gid_t only = *gid;
    if (::setgroups(1, &only) != 0) fail_in_child(pipe_fd, kSetgroups);
    if (::setgid(only) != 0) fail_in_child(pipe_fd, kSetgid);
  }
  if (uid && ::setuid(*uid) != 0) fail_in_child(pipe_fd, kSetuid);

  // Sockets, BPF maps and netlink handles of the agent stay out of the script.
  ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  ::execv(path, argv);
  fail_in_child(pipe_fd, kExec);
}

// PATH lookup happens before fork: execvp is not async-signal-safe.
std::string resolve_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path_env = std::getenv("PATH");
  std::string_view search = path_env ? path_env : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  while (!search.empty()) {
    auto colon = search.find(':');
    std::string_view dir = search.substr(0, colon);
    search = colon == std::string_view::npos ? std::string_view{} : search.substr(colon + 1);
    std::string candidate = std::string(dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return name;  // exec will report ENOENT with the name the user wrote
}

int open_pidfd(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

}  // namespace

std::vector<std::string> split_command_line(std::string_view command) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < command.size(); ++i) {
    char c = command[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::exchange(word, {}));
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\') {
      if (++i == command.size()) throw CommandLineError("trailing backslash in command: " + std::string(command));
      word += command[i];
    } else if (c == '\'') {
      auto close = command.find('\'', i + 1);
      if (close == std::string_view::npos) throw CommandLineError("unterminated ' quote in command: " + std::string(command));
      word.append(command.substr(i + 1, close - i - 1));
      i = close;
    } else if (c == '"') {
      bool closed = false;
      for (++i; i < command.size(); ++i) {
        char q = command[i];
        if (q == '"') {
          closed = true;
          break;
        }
        if (q == '\\' && i + 1 < command.size() && std::strchr("\"\\$`", command[i + 1]) != nullptr) q = command[++i];
        word += q;
      }
      if (!closed) throw CommandLineError("unterminated \" quote in command: " + std::string(command));
    } else {
      word += c;
    }
  }
  if (in_word) words.push_back(std::move(word));
  if (words.empty()) throw CommandLineError("empty command");
  return words;
}

std::string join_command_line(const std::vector<std::string>& argv) {
  std::string command;
  for (const auto& word : argv) {
    if (!command.empty()) command += ' ';
    command += '\'';
    for (const char c : word) {
      if (c == '\'') command += "'\\''";  // close the quote, an escaped quote, reopen
      else command += c;
    }
    command += '\'';
  }
  return command;
}

std::string ProcessResult::describe() const {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  auto ms = duration_cast<milliseconds>(runtime).count();
  switch (status) {
    case Status::exited:
      return "exited with status " + std::to_string(exit_code);
    case Status::signaled:
      return "killed by signal " + std::to_string(term_signal) + " (" + ::strsignal(term_signal) + ")";
    case Status::timed_out:
      return "timed out after " + std::to_string(ms) + " ms";
    case Status::terminated:
      return "terminated on request after " + std::to_string(ms) + " ms";
    case Status::spawn_failed:
      return "could not be started: " + error;
  }
  return "unknown";
}

namespace {
std::size_t unreaped_children = 0;  // the loop is single-threaded: no atomics needed
}  // namespace

std::size_t ChildProcess::unreaped() { return unreaped_children; }

std::shared_ptr<ChildProcess> ChildProcess::spawn(asio::io_context& io, ProcessOptions options,
                                                  ExitHandler on_exit) {
  auto child = std::make_shared<ChildProcess>(PrivateTag{}, io, std::move(options), std::move(on_exit));
  child->launch();
  return child;
}

ChildProcess::ChildProcess(PrivateTag, asio::io_context& io, ProcessOptions options, ExitHandler on_exit)
    : io_(io),
      options_(std::move(options)),
      on_exit_(std::move(on_exit)),
      pidfd_(io),
      timeout_timer_(io),
      kill_timer_(io) {}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !reaped_) {
    ::kill(-pid_, SIGKILL);
    int status = 0;
    // SIGKILL cannot be caught, so this wait is short; it runs only when the loop is torn down.
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    --unreaped_children;
  }
  if (exec_error_fd_ >= 0) ::close(exec_error_fd_);
}

void ChildProcess::launch() {
  started_ = std::chrono::steady_clock::now();
  auto fail_now = [this](std::string why) {
    ProcessResult result;
    result.status = ProcessResult::Status::spawn_failed;
    result.error = std::move(why);
    reaped_ = true;
    // Always asynchronous, so callers see the same ordering whether or not the spawn failed.
    asio::post(io_, [self = shared_from_this(), result = std::move(result)]() mutable {
      self->deliver(std::move(result));
    });
  };
  if (options_.argv.empty()) return fail_now("empty argv");

  std::string path = resolve_program(options_.argv.front());
  std::vector<char*> argv;
  argv.reserve(options_.argv.size() + 1);
  for (auto& arg : options_.argv) argv.push_back(arg.data());
  argv.push_back(nullptr);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) return fail_now(std::string("pipe: ") + std::strerror(errno));

  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return fail_now(std::string("fork: ") + std::strerror(err));
  }
  if (pid == 0) {
    ::close(pipe_fds[0]);
    become_program(pipe_fds[1], path.c_str(), argv.data(), options_.uid, options_.gid);
  }
  ::close(pipe_fds[1]);
  exec_error_fd_ = pipe_fds[0];
  pid_ = pid;
  ++unreaped_children;
  // Also from the parent: a timeout may fire before the child ran its own setpgid.
  ::setpgid(pid, pid);

  int pidfd = open_pidfd(pid);
  if (pidfd < 0) {
    // Cannot watch it without blocking: kill and reap now (the child has not done anything yet).
    int err = errno;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    reaped_ = true;
    --unreaped_children;
    return fail_now(std::string("pidfd_open: ") + std::strerror(err));
  }
  pidfd_.assign(pidfd);
  spdlog::debug("process {} started: {}", pid, options_.argv.front());

  if (options_.timeout.count() > 0) {
    timeout_timer_.expires_after(options_.timeout);
    timeout_timer_.async_wait([weak = weak_from_this()](const std::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self || self->reaped_) return;
      spdlog::info("process {} ({}) exceeded its {} ms timeout; terminating its process group", self->pid_,
                   self->options_.argv.front(), self->options_.timeout.count());
      self->begin_kill(ProcessResult::Status::timed_out);
    });
  }
  wait_for_exit();
}

void ChildProcess::wait_for_exit() {
  pidfd_.async_wait(asio::posix::stream_descriptor::wait_read,
                    [self = shared_from_this()](const std::error_code& ec) {
                      if (ec == asio::error::operation_aborted) return;
                      self->on_child_ready();
                    });
}

void ChildProcess::on_child_ready() {
  int status = 0;
  pid_t got = ::waitpid(pid_, &status, WNOHANG);
  if (got == 0) return wait_for_exit();  // spurious readiness
  reaped_ = true;
  --unreaped_children;
  timeout_timer_.cancel();
  kill_timer_.cancel();

  ProcessResult result;
  result.pid = pid_;
  result.runtime = std::chrono::steady_clock::now() - started_;
  SpawnFailure failure{};
  if (got < 0) {
    result.status = ProcessResult::Status::spawn_failed;
    result.error = std::string("waitpid: ") + std::strerror(errno);
  } else if (::read(exec_error_fd_, &failure, sizeof failure) == static_cast<ssize_t>(sizeof failure)) {
    result.status = ProcessResult::Status::spawn_failed;
    result.error = std::string(kSpawnStages[failure.stage]) + " " + options_.argv.front() + ": " +
                   std::strerror(failure.error);
  } else if (killed_because_) {
    result.status = *killed_because_;
    if (WIFSIGNALED(status)) result.term_signal = WTERMSIG(status);
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  } else if (WIFEXITED(status)) {
    result.status = ProcessResult::Status::exited;
    result.exit_code = WEXITSTATUS(status);
  } else {
    result.status = ProcessResult::Status::signaled;
    result.term_signal = WTERMSIG(status);
  }
  // The leader is gone; anything it left in its group (a daemonised grandchild) is killed too, as
  // it could otherwise hold the check's resources forever.
  if (killed_because_) ::kill(-pid_, SIGKILL);
  ::close(exec_error_fd_);
  exec_error_fd_ = -1;
  pidfd_.close();
  deliver(std::move(result));
}

void ChildProcess::terminate() {
  if (pid_ > 0 && !reaped_ && !killed_because_) begin_kill(ProcessResult::Status::terminated);
}

void ChildProcess::begin_kill(ProcessResult::Status reason) {
  killed_because_ = reason;
  ::kill(-pid_, SIGTERM);
  kill_timer_.expires_after(options_.kill_grace);
  kill_timer_.async_wait([weak = weak_from_this()](const std::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->reaped_) return;
    spdlog::warn("process {} ignored SIGTERM for {} ms; sending SIGKILL", self->pid_,
                 self->options_.kill_grace.count());
    ::kill(-self->pid_, SIGKILL);
  });
}

void ChildProcess::deliver(ProcessResult result) {
  auto handler = std::move(on_exit_);
  on_exit_ = nullptr;
  if (handler) handler(result);
}

}  // namespace xdplb
