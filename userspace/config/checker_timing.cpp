#include "config/checker_timing.h"

#include <algorithm>
#include <type_traits>

namespace xdplb::config {

namespace {

// The first of checker, real server and virtual server that has the value.
template <typename T>
std::optional<T> inherited(const std::optional<T>& checker, const std::optional<T>& rs, const std::optional<T>& vs) {
  if (checker) return checker;
  if (rs) return rs;
  return vs;
}

unsigned default_retry(const Checker& checker) {
  if (std::holds_alternative<DnsCheck>(checker)) return 3;
  if (std::holds_alternative<MiscCheck>(checker)) return 0;
  return 1;
}

Duration default_delay_before_retry(const Checker& checker, Duration delay_loop) {
  if (std::holds_alternative<HttpGetCheck>(checker)) return std::chrono::seconds(3);
  if (std::holds_alternative<DnsCheck>(checker)) return delay_loop;
  return std::chrono::seconds(1);
}

}  // namespace

CheckerTiming effective_timing(const VirtualServer& vs, const RealServer& rs, const Checker& checker) {
  const auto& c = std::visit([](const auto& check) -> const CheckerCommon& { return check; }, checker);
  CheckerTiming t;
  t.connect_timeout = inherited(c.connect_timeout, rs.connect_timeout, vs.connect_timeout).value_or(t.connect_timeout);
  t.delay_loop = c.delay_loop.value_or(rs.delay_loop.value_or(vs.delay_loop));
  t.retry = inherited(c.retry, rs.retry, vs.retry).value_or(default_retry(checker));
  t.delay_before_retry = inherited(c.delay_before_retry, rs.delay_before_retry, vs.delay_before_retry)
                             .value_or(default_delay_before_retry(checker, t.delay_loop));
  t.warmup = inherited(c.warmup, rs.warmup, vs.warmup).value_or(t.delay_loop);
  t.alpha = c.alpha.value_or(rs.alpha.value_or(vs.alpha));
  return t;
}

bool starts_down(const VirtualServer& vs, const RealServer& rs) {
  return std::any_of(rs.checkers.begin(), rs.checkers.end(),
                     [&](const Checker& checker) { return effective_timing(vs, rs, checker).alpha; });
}

bool effective_inhibit_on_failure(const VirtualServer& vs, const RealServer& rs) {
  return rs.inhibit_on_failure.value_or(vs.inhibit_on_failure);
}

}  // namespace xdplb::config
