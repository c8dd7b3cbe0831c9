#include "control/agent_commands.h"

#include <optional>
#include <utility>

#include "agent/agent.h"
#include "contract/answers_json.h"

namespace xdplb::control {
namespace {

using Json = nlohmann::json;

// The commands that answer at once. Throws to refuse (agent::Refused, ControlError).
Json answer_now(agent::Agent& agent, const std::string& command) {
  if (command == "status") return contract::encode(agent.status());
  if (command == "stats") return contract::encode(agent.stats());
  if (command == "verify") return contract::encode(agent.verify());
  throw ControlError("command " + command + " is not served by this agent");
}

// An agent answer, encoded, to the connection.
template <class Answer>
agent::Agent::Completion<Answer> encoded(ControlCompletion done) {
  return [done = std::move(done)](std::exception_ptr error, Answer answer) {
    if (error) return done(error, nullptr);
    Json encoded_answer;
    try {
      encoded_answer = contract::encode(answer);
    } catch (...) {
      return done(std::current_exception(), nullptr);
    }
    done(nullptr, std::move(encoded_answer));
  };
}

}  // namespace

DeferredControlHandler agent_commands(agent::Agent& agent) {
  return [&agent](const std::string& command, const Json& request, ControlCompletion done) {
    // The ones that read the file or walk the flow table answer later, from the loop. (The request
    // is decoded before `done` moves: a bad one is refused here.)
    if (command == "reload") return agent.reload_async(encoded<contract::Reload>(std::move(done)));
    if (command == "list") return agent.list_async(encoded<contract::List>(std::move(done)));
    if (command == "conns" || command == "drain" || command == "undrain") {
      std::optional<contract::ConnsRequest> conns;
      std::optional<contract::DrainRequest> drain;
      try {
        if (command == "conns")
          conns = contract::decode_conns_request(request);
        else
          drain = contract::decode_drain_request(request);
      } catch (...) {
        return done(std::current_exception(), nullptr);
      }
      if (conns) return agent.conns_async(std::move(*conns), encoded<contract::Conns>(std::move(done)));
      return agent.drain_async(std::move(*drain), command == "drain", encoded<contract::Drain>(std::move(done)));
    }
    Json result;
    try {
      result = answer_now(agent, command);
    } catch (...) {
      return done(std::current_exception(), nullptr);
    }
    done(nullptr, std::move(result));
  };
}

}  // namespace xdplb::control
