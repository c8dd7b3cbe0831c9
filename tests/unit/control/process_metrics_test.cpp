// The process metrics: /proc/self/stat parsed past a command name with spaces and parentheses, and
// this test's own figures read for real.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>

#include "common/unique_fd.h"
#include "control/process_metrics.h"

using namespace xdplb::control;

TEST_CASE("/proc/self/stat: CPU time, memory and start time, whatever the command name holds") {
  // proc(5): pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
  // utime stime cutime cstime priority nice num_threads itrealvalue starttime vsize rss ...
  const char* stat = "4242 (xdp lb) (x)) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 7 3 20 0 3 0 "
                     "1000 123456789 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  const auto parsed = parse_proc_self_stat(stat, 100, 4096, 1'700'000'000);
  REQUIRE(parsed);
  CHECK(parsed->cpu_seconds == doctest::Approx(3.0));  // (250 + 50) ticks; not the children's 7 + 3
  CHECK(parsed->resident_bytes == 300 * 4096);
  CHECK(parsed->virtual_bytes == 123456789);
  CHECK(parsed->start_time_seconds == doctest::Approx(1'700'000'010.0));
  CHECK(!parse_proc_self_stat("4242 (xdplbd) S 1 2 3", 100, 4096, 0));
  CHECK(!parse_proc_self_stat("no parenthesis", 100, 4096, 0));
}

TEST_CASE("/proc/stat: the boot time") {
  CHECK(parse_boot_time("cpu  1 2 3\nintr 5\nbtime 1764670000\nprocesses 9\n") == 1764670000u);
  CHECK(!parse_boot_time("cpu  1 2 3\n"));
}

TEST_CASE("this process: started before now, memory resident, one more fd counted for an open file") {
  const auto before = read_process_figures();
  REQUIRE(before);
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  CHECK(before->start_time_seconds <= now + 1);
  CHECK(before->start_time_seconds > now - 24 * 3600);
  CHECK(before->resident_bytes > 0);
  REQUIRE(before->open_fds);
  const xdplb::UniqueFd extra(::open("/proc/self/stat", O_RDONLY | O_CLOEXEC));
  const auto after = read_process_figures();
  REQUIRE(after);
  CHECK(*after->open_fds == *before->open_fds + 1);
  const auto families = process_metric_families(*after);
  CHECK(families.at(0).name == "process_cpu_seconds_total");
  CHECK(families.at(0).type == prometheus::MetricType::Counter);
}
