// The control socket's commands (docs/control.md) served by the Agent: each validated request
// becomes one call of the agent, each answer its contract's JSON, each refusal an error answer.
#pragma once

#include "control/control_server.h"

namespace xdplb::agent {
class Agent;
}

namespace xdplb::control {

// The handler for ControlServer. `agent` must outlive the server.
DeferredControlHandler agent_commands(agent::Agent& agent);

}  // namespace xdplb::control
