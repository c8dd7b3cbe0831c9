// Rate limit for repeated log lines: a flood of bad adverts (wrong password, wrong address list,
// ...) must not turn into one log line per packet. The first event of a key is logged; further
// events of that key within the interval are only counted, and the count is reported with the
// next line of that key, or by flush() once the interval is over. Pure: the caller gives the time.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace xdplb::vrrp {

class LogLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // Throws std::invalid_argument for an interval that is not positive.
  explicit LogLimiter(Clock::duration interval);

  // An event of `key` happened. When it is to be logged now, returns how many of the same key
  // were held back before it (0 for a first event); nullopt when it is only counted.
  std::optional<uint64_t> admit(const std::string& key, Clock::time_point now);

  struct Held {
    std::string key;
    uint64_t count = 0;  // events held back since that key's last line
  };
  // Keys whose interval has ended with events held back: their summary is due. Each one is
  // reported once; the next event of that key is logged at once again.
  std::vector<Held> flush(Clock::time_point now);
  // When the earliest summary falls due, if any events are held back.
  std::optional<Clock::time_point> next_flush() const;

  Clock::duration interval() const { return interval_; }

 private:
  struct Entry {
    Clock::time_point logged_at;
    uint64_t held = 0;
  };
  Clock::duration interval_;
  std::map<std::string, Entry> entries_;
};

}  // namespace xdplb::vrrp
