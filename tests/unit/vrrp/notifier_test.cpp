// keepalived's notify arguments: the specific script as written, then `notify` with
// INSTANCE|GROUP name state priority appended.
#include <doctest/doctest.h>

#include "common/process.h"
#include "vrrp/notifier.h"

using namespace xdplb::vrrp;

TEST_CASE("notifier: notify_master then notify with four arguments") {
  NotifyCommands commands;
  commands.master = "/usr/local/bin/to_master.sh 'first arg'";
  commands.any = "/usr/local/bin/notify.sh --verbose";
  const auto calls = notify_calls(commands, NotifySubject::instance, "VI_1", State::master, 150);
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].which == "notify_master");
  CHECK(calls[0].argv == std::vector<std::string>{"/usr/local/bin/to_master.sh", "first arg"});
  CHECK(calls[1].argv ==
        std::vector<std::string>{"/usr/local/bin/notify.sh", "--verbose", "INSTANCE", "VI_1", "MASTER", "150"});
}

TEST_CASE("notifier: group, fault, stop and missing scripts") {
  NotifyCommands commands;
  commands.any = "notify.sh";
  commands.stop = "stop.sh";
  auto calls = notify_calls(commands, NotifySubject::group, "G1", State::fault, 0);
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].argv == std::vector<std::string>{"notify.sh", "GROUP", "G1", "FAULT", "0"});
  calls = notify_calls(commands, NotifySubject::instance, "VI_1", State::initialize, 100);
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].which == "notify_stop");
  CHECK(calls[1].argv.at(3) == "STOP");
  CHECK(notify_calls(NotifyCommands{}, NotifySubject::instance, "VI_1", State::backup, 100).empty());
}

TEST_CASE("notifier: a command that cannot be split is an error, not a silent no-op") {
  NotifyCommands commands;
  commands.backup = "script.sh 'unterminated";
  CHECK_THROWS_AS(notify_calls(commands, NotifySubject::instance, "VI_1", State::backup, 100), xdplb::CommandLineError);
}
