#include "contract/answers_json.h"

#include <cstdio>
#include <ctime>
#include <limits>
#include <utility>

namespace xdplb::contract {
namespace {

using Json = nlohmann::json;

// A JSON value and the path it was found at, for messages that name the field.
class Field {
 public:
  Field(const Json& value, std::string where) : value_(value), where_(std::move(where)) {}

  const std::string& where() const { return where_; }

  Field at(const char* key) const {
    const auto it = object().find(key);
    if (it == value_.end()) fail(where_ + "." + key + " is missing");
    return {*it, where_ + "." + key};
  }
  // Absent or null.
  std::optional<Field> maybe(const char* key) const {
    const auto it = object().find(key);
    if (it == value_.end() || it->is_null()) return std::nullopt;
    return Field(*it, where_ + "." + key);
  }

  std::string text() const {
    if (!value_.is_string()) fail(where_ + " is not a string");
    return value_.get<std::string>();
  }
  bool flag() const {
    if (!value_.is_boolean()) fail(where_ + " is not a boolean");
    return value_.get<bool>();
  }
  std::uint64_t count() const {
    if (value_.is_number_unsigned()) return value_.get<std::uint64_t>();
    if (value_.is_number_integer() && value_.get<std::int64_t>() >= 0) return value_.get<std::uint64_t>();
    fail(where_ + " is not a non-negative integer");
  }
  std::uint32_t count32() const {
    const auto n = count();
    if (n > std::numeric_limits<std::uint32_t>::max()) fail(where_ + " is out of range");
    return static_cast<std::uint32_t>(n);
  }
  std::int64_t integer() const {
    if (value_.is_number_unsigned() && value_.get<std::uint64_t>() > std::uint64_t(std::numeric_limits<std::int64_t>::max()))
      fail(where_ + " is out of range");
    if (!value_.is_number_integer()) fail(where_ + " is not an integer");
    return value_.get<std::int64_t>();
  }
  int small_integer() const {
    const auto n = integer();
    if (n < std::numeric_limits<int>::min() || n > std::numeric_limits<int>::max()) fail(where_ + " is out of range");
    return static_cast<int>(n);
  }
  double number() const {
    if (!value_.is_number()) fail(where_ + " is not a number");
    return value_.get<double>();
  }
  Time time() const {
    const auto parsed = parse_rfc3339(text());
    if (!parsed) fail(where_ + " is not an RFC 3339 UTC time (YYYY-MM-DDTHH:MM:SSZ)");
    return *parsed;
  }

  std::vector<Field> items() const {
    if (!value_.is_array()) fail(where_ + " is not an array");
    std::vector<Field> out;
    out.reserve(value_.size());
    for (std::size_t i = 0; i < value_.size(); ++i) out.emplace_back(value_[i], where_ + "[" + std::to_string(i) + "]");
    return out;
  }
  std::vector<std::pair<std::string, Field>> members() const {
    std::vector<std::pair<std::string, Field>> out;
    for (const auto& [key, member] : object().items()) out.emplace_back(key, Field(member, where_ + "." + key));
    return out;
  }
  std::vector<std::string> texts() const {
    std::vector<std::string> out;
    for (const auto& item : items()) out.push_back(item.text());
    return out;
  }

  [[noreturn]] static void fail(const std::string& message) { throw ContractError(message); }

 private:
  const Json& object() const {
    if (!value_.is_object()) fail(where_ + " is not an object");
    return value_;
  }

  const Json& value_;
  std::string where_;
};

template <typename Enum, std::size_t N>
Enum named(const Field& field, const Enum (&values)[N]) {
  const auto word = field.text();
  std::string choices;
  for (const auto v : values) {
    if (to_string(v) == word) return v;
    choices += (choices.empty() ? "" : ", ") + std::string(to_string(v));
  }
  Field::fail(field.where() + " is \"" + word + "\", not one of " + choices);
}


template <typename T>
Json optional_json(const std::optional<T>& value) {
  return value ? Json(*value) : Json(nullptr);
}

Json encode_traffic(const Traffic& t) {
  return {{"packets", t.packets}, {"bytes", t.bytes}, {"new_flows", t.new_flows}};
}

Traffic decode_traffic(const Field& f) {
  return {f.at("packets").count(), f.at("bytes").count(), f.at("new_flows").count()};
}

Json encode_transition(const Transition& t) {
  return {{"from", std::string(to_string(t.from))}, {"to", std::string(to_string(t.to))},         {"at", to_rfc3339(t.at)},
          {"seconds_ago", t.seconds_ago}, {"reason", t.reason}, {"duration_ms", optional_json(t.duration_ms)}};
}

Transition decode_transition(const Field& f) {
  Transition t;
  t.from = named(f.at("from"), kVrrpStates);
  t.to = named(f.at("to"), kVrrpStates);
  t.at = f.at("at").time();
  t.seconds_ago = f.at("seconds_ago").number();
  t.reason = f.at("reason").text();
  if (const auto d = f.maybe("duration_ms")) t.duration_ms = d->number();
  return t;
}

Json encode_instance(const VrrpInstance& i) {
  return {{"name", i.name},
          {"state", std::string(to_string(i.state))},
          {"priority", i.priority},
          {"effective_priority", i.effective_priority},
          {"interface", i.interface},
          {"virtual_router_id", optional_json(i.virtual_router_id)},
          {"vips", i.vips},
          {"transitions", i.transitions},
          {"last_transition", i.last_transition ? encode_transition(*i.last_transition) : Json(nullptr)},
          {"adverts_dropped", i.adverts_dropped}};
}

VrrpInstance decode_instance(const Field& f) {
  VrrpInstance i;
  i.name = f.at("name").text();
  i.state = named(f.at("state"), kVrrpStates);
  i.priority = f.at("priority").small_integer();
  i.effective_priority = f.at("effective_priority").small_integer();
  i.interface = f.at("interface").text();
  if (const auto vrid = f.maybe("virtual_router_id")) i.virtual_router_id = vrid->count32();
  i.vips = f.at("vips").texts();
  i.transitions = f.at("transitions").count();
  if (const auto last = f.maybe("last_transition")) i.last_transition = decode_transition(*last);
  for (const auto& [reason, n] : f.at("adverts_dropped").members()) i.adverts_dropped[reason] = n.count();
  return i;
}

Json encode_backend(const ListedBackend& b) {
  return {{"backend", b.backend},   {"forward", std::string(to_string(b.forward))},
          {"weight", b.weight},     {"configured_weight", b.configured_weight},
          {"health", std::string(to_string(b.health))}, {"drained", b.drained},
          {"sorry", b.sorry},       {"resolved", b.resolved},
          {"flows", optional_json(b.flows)},
          {"in_dataplane", b.in_dataplane},
          {"health_since", b.health_since ? Json(to_rfc3339(*b.health_since)) : Json(nullptr)},
          {"last_check_error", optional_json(b.last_check_error)}};
}

ListedBackend decode_backend(const Field& f) {
  ListedBackend b;
  b.backend = f.at("backend").text();
  b.forward = named(f.at("forward"), kForwardings);
  b.weight = f.at("weight").count32();
  b.configured_weight = f.at("configured_weight").count32();
  b.health = named(f.at("health"), kHealths);
  b.drained = f.at("drained").flag();
  b.sorry = f.at("sorry").flag();
  b.resolved = f.at("resolved").flag();
  if (const auto flows = f.maybe("flows")) b.flows = flows->count();
  if (const auto held = f.maybe("in_dataplane")) b.in_dataplane = held->flag();  // older agents: held
  if (const auto since = f.maybe("health_since")) b.health_since = since->time();
  if (const auto error = f.maybe("last_check_error")) b.last_check_error = error->text();
  return b;
}

}  // namespace

std::string to_rfc3339(Time time) {
  const std::time_t t = time.time_since_epoch().count();
  std::tm utc{};
  ::gmtime_r(&t, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

std::optional<Time> parse_rfc3339(std::string_view text) {
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != 'Z')
    return std::nullopt;
  auto digits = [&](std::size_t at, std::size_t n, int& out) {
    out = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      out = out * 10 + (text[i] - '0');
    }
    return true;
  };
  int year, month, day, hour, minute, second;
  if (!digits(0, 4, year) || !digits(5, 2, month) || !digits(8, 2, day) || !digits(11, 2, hour) ||
      !digits(14, 2, minute) || !digits(17, 2, second))
    return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(unsigned(month)),
                                         std::chrono::day(unsigned(day))};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  return std::chrono::sys_days(date) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
         std::chrono::seconds(second);
}

Json encode(const Status& s) {
  Json interfaces = Json::array();
  for (const auto& a : s.dataplane.interfaces) interfaces.push_back({{"name", a.interface}, {"mode", a.mode}});
  Json instances = Json::array();
  for (const auto& i : s.vrrp_instances) instances.push_back(encode_instance(i));
  return {{"instance", s.instance},
          {"version", s.version},
          {"pid", s.pid},
          {"uptime_seconds", s.uptime_seconds},
          {"config_file", s.config_file},
          {"config_loaded_at", to_rfc3339(s.config_loaded_at)},
          {"dataplane",
           {{"interfaces", interfaces},
            {"pin_dir", s.dataplane.pin_dir},
            {"vips_active", s.dataplane.vips_active},
            {"vips_total", s.dataplane.vips_total}}},
          {"vrrp_instances", instances}};
}

Status decode_status(const Json& value) {
  const Field f(value, "status");
  Status s;
  s.instance = f.at("instance").text();
  s.version = f.at("version").text();
  s.pid = f.at("pid").integer();
  s.uptime_seconds = f.at("uptime_seconds").number();
  s.config_file = f.at("config_file").text();
  s.config_loaded_at = f.at("config_loaded_at").time();
  const Field dataplane = f.at("dataplane");
  for (const auto& item : dataplane.at("interfaces").items())
    s.dataplane.interfaces.push_back({item.at("name").text(), item.at("mode").text()});
  s.dataplane.pin_dir = dataplane.at("pin_dir").text();
  s.dataplane.vips_active = dataplane.at("vips_active").count();
  s.dataplane.vips_total = dataplane.at("vips_total").count();
  for (const auto& item : f.at("vrrp_instances").items()) s.vrrp_instances.push_back(decode_instance(item));
  return s;
}

Json encode(const List& l) {
  Json servers = Json::array();
  for (const auto& v : l.virtual_servers) {
    Json backends = Json::array();
    for (const auto& b : v.backends) backends.push_back(encode_backend(b));
    servers.push_back({{"vip", v.vip},
                       {"algorithm", v.algorithm},
                       {"active", v.active},
                       {"persistence_timeout", v.persistence_timeout},
                       {"ring_size", v.ring_size},
                       {"backends", backends}});
  }
  return {{"version", l.version},
          {"conntrack_size", l.conntrack_size},
          {"flow_window_seconds", optional_json(l.flow_window_seconds)},
          {"virtual_servers", servers}};
}

List decode_list(const Json& value) {
  const Field f(value, "list");
  List l;
  l.version = f.at("version").text();
  l.conntrack_size = f.at("conntrack_size").count();
  if (const auto window = f.maybe("flow_window_seconds")) l.flow_window_seconds = window->count();
  for (const auto& item : f.at("virtual_servers").items()) {
    ListedVirtualServer v;
    v.vip = item.at("vip").text();
    v.algorithm = item.at("algorithm").text();
    v.active = item.at("active").flag();
    v.persistence_timeout = item.at("persistence_timeout").count32();
    v.ring_size = item.at("ring_size").count32();
    for (const auto& b : item.at("backends").items()) v.backends.push_back(decode_backend(b));
    l.virtual_servers.push_back(std::move(v));
  }
  return l;
}

Json encode(const Stats& s) {
  Json servers = Json::array();
  for (const auto& v : s.virtual_servers) {
    Json entry = encode_traffic(v.traffic);
    entry["vip"] = v.vip;
    entry["backends"] = Json::array();
    for (const auto& b : v.backends) {
      Json backend = encode_traffic(b.traffic);
      backend["backend"] = b.backend;
      backend["sorry"] = b.sorry;
      entry["backends"].push_back(std::move(backend));
    }
    servers.push_back(std::move(entry));
  }
  Json verdicts = Json::object();
  for (const auto& [name, counters] : s.verdicts) verdicts[name] = {{"packets", counters.packets}, {"bytes", counters.bytes}};
  Json out = {{"virtual_servers", servers},
              {"verdicts", verdicts},
              {"cleared_at", s.cleared_at ? Json(to_rfc3339(*s.cleared_at)) : Json(nullptr)}};
  if (const auto& g = s.conntrack_guard)
    out["conntrack_guard"] = {{"flood_rate", g->flood_rate},
                              {"flood_rate_auto", g->flood_rate_auto},
                              {"untracked_packets", g->untracked_packets},
                              {"windows_flooded", g->windows_flooded}};
  if (s.source) out["source"] = std::string(to_string(*s.source));
  return out;
}

Stats decode_stats(const Json& value) {
  const Field f(value, "stats");
  Stats s;
  for (const auto& item : f.at("virtual_servers").items()) {
    VirtualServerTraffic v;
    v.vip = item.at("vip").text();
    v.traffic = decode_traffic(item);
    for (const auto& b : item.at("backends").items()) {
      const auto sorry = b.maybe("sorry");
      v.backends.push_back({b.at("backend").text(), sorry ? sorry->flag() : false, decode_traffic(b)});
    }
    s.virtual_servers.push_back(std::move(v));
  }
  for (const auto& [name, counters] : f.at("verdicts").members())
    s.verdicts[name] = {counters.at("packets").count(), counters.at("bytes").count()};
  if (const auto g = f.maybe("conntrack_guard"))
    s.conntrack_guard = ConntrackGuard{g->at("flood_rate").count(), g->at("flood_rate_auto").flag(),
                                       g->at("untracked_packets").count(), g->at("windows_flooded").count()};
  if (const auto cleared = f.maybe("cleared_at")) s.cleared_at = cleared->time();
  if (const auto source = f.maybe("source")) s.source = named(*source, kStatsSources);
  return s;
}

Json encode(const Reload& r) {
  return {{"config_file", r.config_file}, {"changes", r.changes}, {"warnings", r.warnings}};
}

Reload decode_reload(const Json& value) {
  const Field f(value, "reload");
  return {f.at("config_file").text(), f.at("changes").texts(), f.at("warnings").texts()};
}

Json encode(const Drain& d) {
  return {{"backend", d.backend}, {"vips", d.vips}, {"changed", d.changed}, {"active_flows", optional_json(d.active_flows)},
          {"persistence_error", optional_json(d.persistence_error)}};
}

Drain decode_drain(const Json& value) {
  const Field f(value, "drain");
  Drain d{f.at("backend").text(), f.at("vips").texts(), f.at("changed").flag(), std::nullopt, std::nullopt};
  if (const auto flows = f.maybe("active_flows")) d.active_flows = flows->count();
  if (const auto error = f.maybe("persistence_error")) d.persistence_error = error->text();
  return d;
}

DrainRequest decode_drain_request(const Json& request) {
  const Field f(request, "request");
  DrainRequest r;
  r.backend = f.at("backend").text();
  // An empty "vip" has always meant every VIP of the backend.
  if (const auto vip = f.maybe("vip"); vip && !vip->text().empty()) r.vip = vip->text();
  return r;
}

Json encode(const Verify& v) {
  Json discrepancies = Json::array();
  for (const auto& d : v.discrepancies) discrepancies.push_back({{"subject", d.subject}, {"problem", d.problem}});
  return {{"vips", v.vips}, {"backends", v.backends}, {"discrepancies", discrepancies}};
}

Verify decode_verify(const Json& value) {
  const Field f(value, "verify");
  Verify v;
  v.vips = f.at("vips").count();
  v.backends = f.at("backends").count();
  for (const auto& item : f.at("discrepancies").items())
    v.discrepancies.push_back({item.at("subject").text(), item.at("problem").text()});
  return v;
}

Json encode(const Conns& c) {
  Json conns = Json::array();
  for (const auto& e : c.conns)
    conns.push_back({{"protocol", e.protocol},
                     {"client", e.client},
                     {"vip", e.vip},
                     {"backend", optional_json(e.backend)},
                     {"sorry", e.sorry},
                     {"idle_seconds", e.idle_seconds},
                     {"state", std::string(to_string(e.state))}});
  return {{"conntrack_size", c.conntrack_size},
          {"entries", c.entries},
          {"matched", c.matched},
          {"active_window_seconds", c.active_window_seconds},
          {"conns", conns}};
}

Conns decode_conns(const Json& value) {
  const Field f(value, "conns");
  Conns c;
  c.conntrack_size = f.at("conntrack_size").count();
  c.entries = f.at("entries").count();
  c.matched = f.at("matched").count();
  c.active_window_seconds = f.at("active_window_seconds").count();
  for (const auto& item : f.at("conns").items()) {
    Conn e;
    e.protocol = item.at("protocol").text();
    e.client = item.at("client").text();
    e.vip = item.at("vip").text();
    if (const auto backend = item.maybe("backend")) e.backend = backend->text();
    e.sorry = item.at("sorry").flag();
    e.idle_seconds = item.at("idle_seconds").number();
    e.state = named(item.at("state"), kFlowStates);
    c.conns.push_back(std::move(e));
  }
  return c;
}

Json encode(const ConnsRequest& r) {
  Json out = {{"limit", r.limit}};
  if (r.vip) out["vip"] = *r.vip;
  if (r.backend) out["backend"] = *r.backend;
  return out;
}

ConnsRequest decode_conns_request(const Json& request) {
  const Field f(request, "request");
  ConnsRequest r;
  if (const auto vip = f.maybe("vip")) r.vip = vip->text();
  if (const auto backend = f.maybe("backend")) r.backend = backend->text();
  if (const auto limit = f.maybe("limit")) r.limit = limit->count();
  return r;
}

}  // namespace xdplb::contract
