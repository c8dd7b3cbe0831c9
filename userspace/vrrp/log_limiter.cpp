#include "vrrp/log_limiter.h"

#include <stdexcept>

namespace xdplb::vrrp {

LogLimiter::LogLimiter(Clock::duration interval) : interval_(interval) {
  if (interval_ <= Clock::duration::zero()) throw std::invalid_argument("log rate-limit interval must be positive");
}

std::optional<uint64_t> LogLimiter::admit(const std::string& key, Clock::time_point now) {
  auto [it, first] = entries_.try_emplace(key, Entry{now, 0});
  if (first) return 0;
  Entry& entry = it->second;
  if (now - entry.logged_at < interval_) {
    ++entry.held;
    return std::nullopt;
  }
  const uint64_t held = entry.held;
  entry = Entry{now, 0};
  return held;
}

std::vector<LogLimiter::Held> LogLimiter::flush(Clock::time_point now) {
  std::vector<Held> due;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (now - it->second.logged_at < interval_) {
      ++it;
      continue;
    }
    // Interval over: report what was held back and forget the key, so its next event is a
    // first event again (logged at once) and a quiet key costs nothing.
    if (it->second.held > 0) due.push_back(Held{it->first, it->second.held});
    it = entries_.erase(it);
  }
  return due;
}

std::optional<LogLimiter::Clock::time_point> LogLimiter::next_flush() const {
  std::optional<Clock::time_point> earliest;
  for (const auto& [key, entry] : entries_)
    if (entry.held > 0 && (!earliest || entry.logged_at + interval_ < *earliest)) earliest = entry.logged_at + interval_;
  return earliest;
}

}  // namespace xdplb::vrrp
