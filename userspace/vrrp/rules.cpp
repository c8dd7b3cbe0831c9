#include "vrrp/rules.h"

#include <linux/fib_rules.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/rule.h>
#include <sys/socket.h>

#include <memory>

#include "vrrp/netlink_util.h"

namespace xdplb::vrrp {

namespace {

struct NlMsgDeleter {
  void operator()(nl_msg* msg) const { nlmsg_free(msg); }
};
using NlMsg = std::unique_ptr<nl_msg, NlMsgDeleter>;

NlObject<rtnl_rule> build_rule(const RuleSpec& spec) {
  NlObject<rtnl_rule> rule(rtnl_rule_alloc());
  if (!rule) throw NetlinkError("rule " + spec.describe(), -NLE_NOMEM);
  rtnl_rule_set_family(rule.get(), spec.ipv6 ? AF_INET6 : AF_INET);
  rtnl_rule_set_prio(rule.get(), spec.priority);
  rtnl_rule_set_action(rule.get(), spec.action);
  if (spec.action == FR_ACT_TO_TBL && !spec.l3mdev) rtnl_rule_set_table(rule.get(), spec.table);
  if (spec.action == FR_ACT_GOTO) rtnl_rule_set_goto(rule.get(), spec.goto_target);
  if (spec.l3mdev) rtnl_rule_set_l3mdev(rule.get(), 1);
  const auto set_prefix = [&](const std::optional<RulePrefix>& prefix, auto setter) {
    if (!prefix) return;
    const NlAddr address = to_nl(prefix->address, prefix->prefix_length);
    if (const int err = setter(rule.get(), address.get()); err < 0) throw NetlinkError("rule " + spec.describe(), err);
  };
  set_prefix(spec.from, rtnl_rule_set_src);
  set_prefix(spec.to, rtnl_rule_set_dst);
  if (!spec.iif.empty()) rtnl_rule_set_iif(rule.get(), spec.iif.c_str());
  if (!spec.oif.empty()) rtnl_rule_set_oif(rule.get(), spec.oif.c_str());
  if (spec.fwmark) rtnl_rule_set_mark(rule.get(), *spec.fwmark);
  if (spec.fwmask) rtnl_rule_set_mask(rule.get(), *spec.fwmask);
  if (spec.tos) rtnl_rule_set_dsfield(rule.get(), *spec.tos);
  if (spec.realms) rtnl_rule_set_realms(rule.get(), *spec.realms);
  if (spec.protocol) rtnl_rule_set_protocol(rule.get(), *spec.protocol);
  if (spec.ipproto) rtnl_rule_set_ipproto(rule.get(), *spec.ipproto);
  if (spec.sport) rtnl_rule_set_sport_range(rule.get(), spec.sport->first, spec.sport->second);
  if (spec.dport) rtnl_rule_set_dport_range(rule.get(), spec.dport->first, spec.dport->second);
  return rule;
}

}  // namespace

std::string RuleSpec::describe() const {
  std::string out = ipv6 ? "inet6 " : "";
  if (invert) out += "not ";
  out += "from " + (from ? from->address.to_string() + "/" + std::to_string(from->prefix_length) : std::string("all"));
  if (to) out += " to " + to->address.to_string() + "/" + std::to_string(to->prefix_length);
  if (fwmark) out += " fwmark " + std::to_string(*fwmark);
  if (!iif.empty()) out += " iif " + iif;
  if (!oif.empty()) out += " oif " + oif;
  if (l3mdev) {
    out += " lookup [l3mdev-table]";
  } else {
    switch (action) {
      case FR_ACT_TO_TBL: out += " lookup " + std::to_string(table); break;
      case FR_ACT_GOTO: out += " goto " + std::to_string(goto_target); break;
      case FR_ACT_NOP: out += " nop"; break;
      case FR_ACT_BLACKHOLE: out += " blackhole"; break;
      case FR_ACT_UNREACHABLE: out += " unreachable"; break;
      case FR_ACT_PROHIBIT: out += " prohibit"; break;
      default: break;
    }
  }
  out += " priority " + std::to_string(priority);
  return out;
}

RuleManager::RuleManager() : sock_(open_route_socket()) {}

int RuleManager::send(const RuleSpec& spec, bool add) {
  auto rule = build_rule(spec);
  nl_msg* raw = nullptr;
  // NLM_F_EXCL: the kernel refuses an identical rule (EEXIST) instead of adding a second one.
  const int built = add ? rtnl_rule_build_add_request(rule.get(), NLM_F_EXCL, &raw)
                        : rtnl_rule_build_delete_request(rule.get(), 0, &raw);
  NlMsg msg(raw);
  if (built < 0) return built;
  // What libnl 3.7's rtnl_rule cannot say, appended to the request it built.
  if (spec.invert) static_cast<fib_rule_hdr*>(nlmsg_data(nlmsg_hdr(msg.get())))->flags |= FIB_RULE_INVERT;
  if (spec.suppress_prefixlength && nla_put_u32(msg.get(), FRA_SUPPRESS_PREFIXLEN, *spec.suppress_prefixlength) < 0)
    return -NLE_NOMEM;
  if (spec.suppress_ifgroup && nla_put_u32(msg.get(), FRA_SUPPRESS_IFGROUP, *spec.suppress_ifgroup) < 0)
    return -NLE_NOMEM;
  if (spec.uidrange) {
    const fib_rule_uid_range range{spec.uidrange->first, spec.uidrange->second};
    if (nla_put(msg.get(), FRA_UID_RANGE, sizeof range, &range) < 0) return -NLE_NOMEM;
  }
  if (const int err = nl_send_auto_complete(sock_.get(), msg.get()); err < 0) return err;
  return nl_wait_for_ack(sock_.get());
}

void RuleManager::add_rule(const RuleSpec& spec) {
  const int err = send(spec, true);
  if (err < 0 && err != -NLE_EXIST) throw NetlinkError("adding rule " + spec.describe(), err);
}

bool RuleManager::remove_rule(const RuleSpec& spec) {
  const int err = send(spec, false);
  if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV || err == -NLE_NOADDR) return false;
  if (err < 0) throw NetlinkError("removing rule " + spec.describe(), err);
  return true;
}

}  // namespace xdplb::vrrp
