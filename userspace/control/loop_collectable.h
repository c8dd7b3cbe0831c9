// Agent metrics collected on the agent's loop for the exposer's threads.
//
// prometheus-cpp's Exposer answers scrapes on civetweb's threads, while the agent, its BPF maps and
// its checkers belong to one Asio loop and are not thread-safe. Two ways were open: keep a
// prometheus::Registry whose gauges and counters the loop updates on a tick, or collect at scrape
// time on the loop. This does the second: Collect(), on a civetweb thread, posts the collection
// to the loop and waits for its result, which the loop hands over under a mutex. A scrape sees the
// state of that moment (a tick would show it up to a tick late), nothing runs when nobody scrapes,
// a counter is read once per scrape as before, and the loop never waits for a scraper: it does the
// work between two events like any other handler. A registry would also need every series that
// disappears (a removed VIP, a backend gone) to be found and removed by hand.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include <asio/io_context.hpp>
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

namespace xdplb::control {

class LoopCollectable : public prometheus::Collectable {
 public:
  // `collect` runs on `io`'s thread only. An exception from it is logged, and that scrape gets
  // none of its families (prometheus-cpp cannot answer a scrape with an error).
  using Collector = std::function<std::vector<prometheus::MetricFamily>()>;
  // A scrape waits at most `patience` for the loop; a loop that busy is already a failed scrape
  // on the server's side (Prometheus' scrape_timeout defaults to 10 s), and the thread goes back
  // to civetweb.
  LoopCollectable(asio::io_context& io, Collector collect,
                  std::chrono::milliseconds patience = std::chrono::seconds(30));
  ~LoopCollectable() override;

  // Called on civetweb's threads.
  std::vector<prometheus::MetricFamily> Collect() const override;

  // On the loop, before the exposer goes: waiting scrapes return at once with nothing, and later
  // ones no longer post to the loop (the exposer's destructor joins threads that may be waiting
  // for the loop, which is the thread running that destructor).
  void stop();

  struct State;

 private:
  asio::io_context& io_;
  std::shared_ptr<State> state_;
  std::chrono::milliseconds patience_;
};

}  // namespace xdplb::control
