// The wire form of the operator contract (answers.h): what the control socket sends as "result",
// what the dumps write and what xdplbctl --json prints. Encoding never throws; decoding checks
// every field it reads and throws ContractError naming the first one that is missing or mistyped
// ("status.vrrp_instances[0].last_transition.from is missing"). Unknown keys are ignored, so an
// answer may grow keys without breaking older readers.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "contract/answers.h"

namespace xdplb::contract {

class ContractError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

nlohmann::json encode(const Status& status);
nlohmann::json encode(const List& list);
nlohmann::json encode(const Stats& stats);
nlohmann::json encode(const Reload& reload);
nlohmann::json encode(const Drain& drain);
nlohmann::json encode(const Verify& verify);
nlohmann::json encode(const Conns& conns);
// The request's fields besides "command" (xdplbctl builds its request with it).
nlohmann::json encode(const ConnsRequest& request);

Status decode_status(const nlohmann::json& value);
List decode_list(const nlohmann::json& value);
Stats decode_stats(const nlohmann::json& value);
Reload decode_reload(const nlohmann::json& value);
Drain decode_drain(const nlohmann::json& value);
Verify decode_verify(const nlohmann::json& value);
Conns decode_conns(const nlohmann::json& value);
// The fields of a conns request ({"command":"conns","vip":...,"backend":...,"limit":...}); all optional.
ConnsRequest decode_conns_request(const nlohmann::json& request);
// The fields of a drain or undrain request ({"command":"drain","backend":...,"vip":...}).
DrainRequest decode_drain_request(const nlohmann::json& request);

// "2025-01-01T12:00:00Z"; parsing accepts exactly that form.
std::string to_rfc3339(Time time);
std::optional<Time> parse_rfc3339(std::string_view text);

}  // namespace xdplb::contract
