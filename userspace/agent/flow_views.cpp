#include "agent/flow_views.h"

#include <chrono>

namespace xdplb::agent {

bool vip_key_matches(const std::string& key, const std::string& wanted) {
  if (key == wanted) return true;
  const auto slash = key.find('/');
  return wanted.find('/') == std::string::npos && slash != std::string::npos && key.substr(slash + 1) == wanted;
}

namespace {

bool active(const dataplane::FlowEntry& flow) { return dataplane::seen_within_active_window(flow); }

// Where the client sent to, in the form of a VIP key ("tcp/198.18.0.100:80").
std::string sent_to(const dataplane::FlowEntry& flow) {
  return dataplane::protocol_name(flow.protocol) + "/" + dataplane::endpoint_text(flow.destination, flow.destination_port);
}

}  // namespace

void ConnsCollector::visit(const dataplane::FlowEntry& flow, const BackendOwner* owner) {
  if (request_.vip && !(owner && vip_key_matches(owner->vip, *request_.vip)) && !vip_key_matches(sent_to(flow), *request_.vip))
    return;
  if (request_.backend && !(owner && (owner->backend.endpoint() == *request_.backend ||
                                      dataplane::to_string(owner->backend) == *request_.backend)))
    return;
  ++matched_;
  kept_.push(Match{flow, owner ? std::optional(*owner) : std::nullopt});
  if (request_.limit && kept_.size() > request_.limit) kept_.pop();
}

contract::Conns ConnsCollector::finish(std::uint64_t entries, std::uint64_t conntrack_size) {
  contract::Conns out;
  out.conntrack_size = conntrack_size;
  out.entries = entries;
  out.matched = matched_;
  out.active_window_seconds = dataplane::kActiveFlowWindow.count();
  out.conns.resize(kept_.size());
  for (auto slot = out.conns.rbegin(); slot != out.conns.rend(); ++slot, kept_.pop()) {
    const auto& [flow, owner] = kept_.top();
    auto& c = *slot;
    c.protocol = dataplane::protocol_name(flow.protocol);
    c.client = dataplane::endpoint_text(flow.client, flow.client_port);
    c.idle_seconds = std::chrono::duration<double>(flow.idle).count();
    if (owner) {
      c.vip = owner->vip;
      c.backend = owner->backend.endpoint();
      c.sorry = owner->backend.role == dataplane::BackendRole::sorry_server;
      c.state = active(flow) ? contract::FlowState::active : contract::FlowState::idle;
    } else {
      c.vip = sent_to(flow);
      c.state = contract::FlowState::stale;
    }
  }
  return out;
}

void ActiveFlowsPerBackend::visit(const dataplane::FlowEntry& flow, const BackendOwner* owner) {
  if (owner && active(flow)) ++counts_[flow.backend_id];
}

void ActiveFlowsOfRealServer::visit(const dataplane::FlowEntry& flow, const BackendOwner* owner) {
  if (owner && owner->backend.role == dataplane::BackendRole::real_server && active(flow) &&
      owner->backend.endpoint() == real_server_ && vips_.count(owner->vip))
    ++count_;
}

}  // namespace xdplb::agent
