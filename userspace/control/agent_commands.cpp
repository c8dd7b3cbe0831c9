#include "control/agent_commands.h"

#include <utility>

#include "agent/agent.h"
#include "contract/answers_json.h"

namespace xdplb::control {
namespace {

using Json = nlohmann::json;

// Every command but reload, which answers later. Throws to refuse (agent::Refused, ControlError).
Json answer_now(agent::Agent& agent, const std::string& command, const Json& request) {
  if (command == "status") return contract::encode(agent.status());
  if (command == "list") return contract::encode(agent.list());
  if (command == "stats") return contract::encode(agent.stats());
  if (command == "verify") return contract::encode(agent.verify());
  if (command == "conns") return contract::encode(agent.conns(contract::decode_conns_request(request)));
  if (command == "drain" || command == "undrain")
    return contract::encode(agent.drain(contract::decode_drain_request(request), command == "drain"));
  throw ControlError("command " + command + " is not served by this agent");
}

}  // namespace

DeferredControlHandler agent_commands(agent::Agent& agent) {
  return [&agent](const std::string& command, const Json& request, ControlCompletion done) {
    if (command == "reload")
      return agent.reload_async([done = std::move(done)](std::exception_ptr error, contract::Reload result) {
        done(error, error ? Json(nullptr) : contract::encode(result));
      });
    Json result;
    try {
      result = answer_now(agent, command, request);
    } catch (...) {
      return done(std::current_exception(), nullptr);
    }
    done(nullptr, std::move(result));
  };
}

}  // namespace xdplb::control
