// From vrrp_instance / vrrp_script / vrrp_sync_group to the VRRP runtime's settings, with a fake
// host (interfaces, users) so every rule is checked without touching the machine.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "agent/vrrp_plan.h"
#include "config/load.h"
#include "vrrp/notifier.h"
#include "vrrp/priority.h"

using namespace xdplb;

namespace {

// The grammar only: the plans' own use of the script rule is what these tests look at.
config::Config load(const std::string& text) {
  config::LoadOptions options;
  options.check_host = false;
  auto r = config::load_config_text(text, "test.conf", options);
  if (!r.ok())
    for (const auto& d : r.diagnostics) MESSAGE(config::format_diagnostic(d));
  REQUIRE(r.ok());
  return *r.config;
}

class FakeUsers final : public UserDatabase {
 public:
  explicit FakeUsers(bool with_keepalived_script) : with_keepalived_script_(with_keepalived_script) {}
  std::optional<UserIds> user(const std::string& name) const override {
    if (name == "keepalived_script" && with_keepalived_script_) return UserIds{990, 990};
    if (name == "nobody") return UserIds{65534, 65534};
    if (name == "root") return UserIds{0, 0};
    return std::nullopt;
  }
  std::optional<gid_t> group(const std::string& name) const override {
    if (name == "nogroup") return gid_t{65534};
    return std::nullopt;
  }

 private:
  bool with_keepalived_script_;
};

const UserDatabase& fake_users() {
  static const FakeUsers users(true);
  return users;
}

agent::VrrpHostFacts fake_host() {
  agent::VrrpHostFacts host;
  host.primary_address = [](const std::string& interface, bool ipv6) -> std::optional<asio::ip::address> {
    if (interface != "eth0") return std::nullopt;
    return asio::ip::make_address(ipv6 ? "fe80::1" : "198.18.0.1");
  };
  host.users = &fake_users();
  host.host_name = "lb1.example";
  return host;
}

const char* kInstance = R"(
global_defs {
  router_id LB1
  vrrp_garp_master_delay 2
  vrrp_garp_master_repeat 3
  smtp_server 192.0.2.25
  notification_email { ops@example.org }
  notification_email_from lb1@example.org
}
vrrp_script chk_haproxy {
  script "/usr/bin/pgrep haproxy"
  interval 2
  weight -20
  fall 3
  rise 2
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 150
  advert_int 1
  nopreempt
  authentication {
    auth_type PASS
    auth_pass s3cret
  }
  virtual_ipaddress {
    198.18.0.100/24 dev eth0 label eth0:vip
  }
  virtual_ipaddress_excluded { 198.18.0.200 }
  virtual_routes { 198.51.100.0/24 via 198.18.0.254 }
  track_interface { eth1 weight -30 }
  track_script { chk_haproxy weight -40 }
  notify "/bin/true"
  smtp_alert
}
)";

}  // namespace

TEST_CASE("vrrp plan: an instance with every common keyword") {
  const auto plan = agent::plan_vrrp(load(kInstance), fake_host());
  REQUIRE(plan.instances.size() == 1);
  const auto& s = plan.instances[0];
  const auto& p = s.vrrp;
  CHECK(p.name == "VI_1");
  CHECK(p.version == vrrp::Version::v2);
  CHECK(p.vrid == 51);
  CHECK(p.priority == 150);
  CHECK_FALSE(p.preempt);
  CHECK(p.initial_state == vrrp::InitialState::backup);
  CHECK(p.auth_type == vrrp::AuthType::simple_password);
  CHECK(p.auth_password == "s3cret");
  CHECK(p.primary_address == asio::ip::make_address("198.18.0.1"));
  // Advertised: virtual_ipaddress only; the excluded one is added but not sent.
  CHECK(p.virtual_addresses == std::vector<asio::ip::address>{asio::ip::make_address("198.18.0.100")});
  REQUIRE(s.addresses.size() == 2);
  CHECK(s.addresses[0].prefix_length == 24);
  CHECK(s.addresses[0].label == "eth0:vip");
  CHECK(s.addresses[1].address == asio::ip::make_address("198.18.0.200"));
  CHECK(s.addresses[1].prefix_length == 32);
  CHECK(s.addresses[1].device == "eth0");
  REQUIRE(s.routes.size() == 1);
  CHECK(s.routes[0].via == asio::ip::make_address("198.18.0.254"));
  CHECK(s.announce.delay == std::chrono::seconds(2));
  CHECK(s.announce.repeat == 3);
  REQUIRE(p.tracked.size() == 2);
  CHECK(p.tracked[0].id == vrrp::TrackedId{vrrp::TrackedKind::interface, "eth1"});
  CHECK(p.tracked[0].weight == -30);
  CHECK(p.tracked[1].id == vrrp::TrackedId{vrrp::TrackedKind::script, "chk_haproxy"});
  CHECK(p.tracked[1].weight == -40);  // track_script's weight overrides the script's
  CHECK(s.notify.any == "/bin/true");
  CHECK(s.notify.any_as->uid == uid_t{990});
  CHECK(s.smtp_alert);
  REQUIRE(plan.scripts.size() == 1);
  CHECK(plan.scripts[0].argv == std::vector<std::string>{"/usr/bin/pgrep", "haproxy"});
  CHECK(plan.scripts[0].interval == std::chrono::seconds(2));
  CHECK(plan.scripts[0].timeout == std::chrono::seconds(2));
  CHECK(plan.scripts[0].fall == 3);
  CHECK(plan.scripts[0].rise == 2);
  CHECK(plan.scripts[0].uid == uid_t{990});  // keepalived_script: the default when it exists
  CHECK(plan.smtp.router_id == "LB1");
  CHECK(plan.smtp.to == std::vector<std::string>{"ops@example.org"});
  CHECK(plan.smtp.helo_name == "lb1.example");
}

TEST_CASE("vrrp plan: IPv6 instance, unicast, vmac") {
  const auto plan = agent::plan_vrrp(load(R"(
vrrp_instance V6 {
  interface eth0
  virtual_router_id 7
  version 3
  advert_int 0.1
  use_vmac
  virtual_ipaddress { fd00::100 }
}
vrrp_instance UNI {
  interface eth0
  virtual_router_id 8
  unicast_src_ip 198.18.0.5
  unicast_peer { 198.18.0.6 }
  virtual_ipaddress { 198.18.0.101 }
}
)"),
                                     fake_host());
  const auto& v6 = plan.instances[0];
  CHECK(v6.vrrp.primary_address == asio::ip::make_address("fe80::1"));
  CHECK(v6.vrrp.advert_interval == std::chrono::milliseconds(100));
  CHECK(v6.use_vmac);
  CHECK(v6.vmac_name == "vrrp.7");
  CHECK(v6.addresses[0].device == "vrrp.7");
  const auto& uni = plan.instances[1];
  CHECK(uni.vrrp.primary_address == asio::ip::make_address("198.18.0.5"));
  CHECK(uni.vrrp.unicast_peers == std::vector<asio::ip::address>{asio::ip::make_address("198.18.0.6")});
}

TEST_CASE("vrrp plan: scripts run unprivileged under enable_script_security") {
  const char* text = R"(
global_defs { enable_script_security }
vrrp_script chk { script "/bin/true" }
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 1
  virtual_ipaddress { 198.18.0.100 }
  track_script { chk }
}
)";
  const auto plan = agent::plan_vrrp(load(text), fake_host());
  REQUIRE(plan.scripts.size() == 1);
  CHECK(plan.scripts[0].uid == uid_t{990});
  CHECK(plan.notify_as.uid == uid_t{990});

  const FakeUsers without_default(false);
  auto host = fake_host();
  host.users = &without_default;
  CHECK_THROWS_WITH_AS(agent::plan_vrrp(load(text), host),
                       doctest::Contains("test.conf:3: vrrp_script chk: enable_script_security does not run scripts "
                                         "as root by default"),
                       agent::VrrpPlanError);
}

TEST_CASE("vrrp plan: what cannot run here is refused with the file and line") {
  auto fails = [](const std::string& text, const std::string& why) {
    CHECK_THROWS_WITH_AS(agent::plan_vrrp(load(text), fake_host()), doctest::Contains(why.c_str()), agent::VrrpPlanError);
  };
  fails("vrrp_instance VI_1 {\n interface eth9\n virtual_router_id 1\n virtual_ipaddress { 198.18.0.100 }\n}\n",
        "test.conf:1: vrrp_instance VI_1: interface eth9 has no IPv4 address");
}

namespace {

// Scripts in a root-owned 0755 directory under /tmp, with the modes a test gives them.
class ScriptFiles {
 public:
  ScriptFiles() {
    std::string pattern = "/tmp/xdplb-vrrp-plan-XXXXXX";
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
    ::chmod(path_.c_str(), 0755);
  }
  ~ScriptFiles() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string add(const std::string& name, mode_t mode) const {
    const std::string file = path_ + "/" + name;
    std::ofstream(file) << "#!/bin/sh\nexit 0\n";
    ::chmod(file.c_str(), mode);
    return file;
  }

 private:
  std::string path_;
};

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

}  // namespace

TEST_CASE("vrrp plan: every script kind carries the identity the one rule resolves") {
  const ScriptFiles files;
  const std::string ok = files.add("ok.sh", 0755);
  const std::string text = replace_all(R"(
global_defs { script_user nobody nogroup }
vrrp_script as_block_user {
  script "OK check"
  user keepalived_script
}
vrrp_script as_default { script OK }
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 1
  virtual_ipaddress { 198.18.0.100 }
  track_script {
    as_block_user
    as_default
  }
  notify_master OK root
  notify_backup "OK backup"
  notify OK keepalived_script nogroup
}
vrrp_sync_group G { group { VI_1 } notify_fault OK root }
)",
                                       "OK", ok);
  const auto plan = agent::plan_vrrp(load(text), fake_host());
  REQUIRE(plan.scripts.size() == 2);
  CHECK(plan.scripts[0].argv == std::vector<std::string>{ok, "check"});
  CHECK(plan.scripts[0].uid == uid_t{990});  // the block's user and that user's own group
  CHECK(plan.scripts[0].gid == gid_t{990});
  CHECK(plan.scripts[1].uid == uid_t{65534});  // script_user and its group
  CHECK(plan.scripts[1].gid == gid_t{65534});
  const auto& notify = plan.instances[0].notify;
  CHECK(notify.master == ok);
  CHECK(notify.master_as->uid == uid_t{0});  // root, because the line says so
  CHECK(notify.backup == ok + " backup");
  CHECK(notify.backup_as->uid == uid_t{65534});
  CHECK(notify.any_as->uid == uid_t{990});
  CHECK(notify.any_as->gid == gid_t{65534});
  CHECK(plan.sync_groups[0].notify.fault_as->uid == uid_t{0});
  // The notifier hands each call its own user.
  const auto calls = vrrp::notify_calls(notify, vrrp::NotifySubject::instance, "VI_1", vrrp::State::master, 100);
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].run_as->uid == uid_t{0});
  CHECK(calls[1].run_as->uid == uid_t{990});
}

TEST_CASE("vrrp plan: under enable_script_security an unsafe root script is disabled, not run") {
  const ScriptFiles files;
  const std::string open = files.add("open.sh", 0777);
  const std::string ok = files.add("ok.sh", 0755);
  const std::string text = replace_all(replace_all(R"(
global_defs {
  enable_script_security
  script_user root
}
vrrp_script unsafe { script OPEN }
vrrp_script safe { script OK }
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 1
  virtual_ipaddress { 198.18.0.100 }
  track_script {
    unsafe
    safe
  }
  notify_master OPEN
  notify_backup OK
}
)",
                                                   "OPEN", open),
                                       "OK", ok);
  // script_user root is allowed when written (keepalived): the safe scripts run as root.
  const auto plan = agent::plan_vrrp(load(text), fake_host());
  REQUIRE(plan.scripts.size() == 1);
  CHECK(plan.scripts[0].name == "safe");
  CHECK(plan.scripts[0].uid == uid_t{0});
  const auto& tracked = plan.instances[0].vrrp.tracked;
  REQUIRE(tracked.size() == 1);  // the disabled script's tracking goes with it
  CHECK(tracked[0].id == vrrp::TrackedId{vrrp::TrackedKind::script, "safe"});
  CHECK(plan.instances[0].notify.master.empty());
  CHECK(plan.instances[0].notify.backup == ok);
}

TEST_CASE("vrrp plan: a notify line's user that does not exist refuses the plan with file and line") {
  const ScriptFiles files;
  const std::string ok = files.add("ok.sh", 0755);
  const std::string text = replace_all(R"(
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 1
  virtual_ipaddress { 198.18.0.100 }
  notify_master OK master
}
)",
                                       "OK", ok);
  CHECK_THROWS_WITH_AS(agent::plan_vrrp(load(text), fake_host()),
                       "test.conf:6: vrrp_instance VI_1 notify_master: script user 'master' does not exist",
                       agent::VrrpPlanError);
}

TEST_CASE("vrrp plan: reverse on tracked interfaces and scripts reaches the priority, as keepalived reads it") {
  const auto plan = agent::plan_vrrp(load(R"(
vrrp_script up_reversed {
  script "/bin/true"
  weight 20 reverse
}
vrrp_script plain {
  script "/bin/true"
  weight 10
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  virtual_ipaddress { 198.18.0.100 }
  track_interface {
    eth1 weight 30 reverse
    eth2 weight 0 reverse
    eth3
  }
  track_script {
    up_reversed
    up_reversed_again
    plain weight 5 reverse
  }
}
vrrp_script up_reversed_again {
  script "/bin/true"
  weight -7 reverse
}
vrrp_instance VI_2 {
  interface eth0
  virtual_router_id 52
  virtual_ipaddress { 198.18.0.101 }
  track_script {
    up_reversed weight 4
    up_reversed_again weight 6 noreverse
  }
}
)"),
                                     fake_host());
  REQUIRE(plan.instances.size() == 2);
  const auto& one = plan.instances[0].vrrp.tracked;
  REQUIRE(one.size() == 6);
  CHECK(one[0].reverse);
  CHECK(one[1].reverse);
  CHECK_FALSE(one[2].reverse);
  CHECK(one[3].reverse);  // no weight on the line: the script's weight and reverse
  CHECK(one[3].weight == 20);
  CHECK(one[4].reverse);
  CHECK(one[5].reverse);  // the line's reverse, the line's weight
  CHECK(one[5].weight == 5);
  const auto& two = plan.instances[1].vrrp.tracked;
  REQUIRE(two.size() == 2);
  CHECK(two[0].weight == 4);
  CHECK(two[0].reverse);  // `weight N` alone keeps the script's reverse
  CHECK_FALSE(two[1].reverse);  // noreverse overrides it

  // What the instance's priority does with them: all healthy, the reversed positive weights count
  // down (-30 for eth1, -20, -5), and eth2's `weight 0 reverse` is a fault while eth2 is up.
  vrrp::PriorityCalculator priority(100, one);
  CHECK(priority.effective() == 100 - 30 - 20 - 5);
  CHECK(priority.faulted());
  priority.set_healthy({vrrp::TrackedKind::interface, "eth2"}, false);
  CHECK_FALSE(priority.faulted());
  // A reversed negative weight raises the priority while its object fails.
  priority.set_healthy({vrrp::TrackedKind::script, "up_reversed_again"}, false);
  CHECK(priority.effective() == 100 - 30 - 20 - 5 + 7);
}

TEST_CASE("vrrp plan: a sync group's track_script applies to each member instance, and its script runs") {
  const auto plan = agent::plan_vrrp(load(R"(
vrrp_script group_only {
  script "/bin/true"
  weight 10
}
vrrp_script both {
  script "/bin/true"
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  virtual_ipaddress { 198.18.0.100 }
  track_script { both }
}
vrrp_instance VI_2 {
  interface eth0
  virtual_router_id 52
  virtual_ipaddress { 198.18.0.101 }
}
vrrp_instance VI_3 {
  interface eth0
  virtual_router_id 53
  virtual_ipaddress { 198.18.0.102 }
}
vrrp_sync_group G {
  group {
    VI_1
    VI_2
  }
  track_script {
    group_only weight -20 reverse
    both
  }
}
)"),
                                     fake_host());
  REQUIRE(plan.instances.size() == 3);
  const vrrp::TrackedId group_only{vrrp::TrackedKind::script, "group_only"};
  const vrrp::TrackedId both{vrrp::TrackedKind::script, "both"};
  const auto& one = plan.instances[0].vrrp.tracked;
  REQUIRE(one.size() == 2);  // its own 'both', then the group's group_only ('both' counted once)
  CHECK(one[0].id == both);
  CHECK(one[1].id == group_only);
  CHECK(one[1].weight == -20);
  CHECK(one[1].reverse);
  const auto& two = plan.instances[1].vrrp.tracked;
  REQUIRE(two.size() == 2);
  CHECK(two[0].id == group_only);
  CHECK(two[1].id == both);
  CHECK(plan.instances[2].vrrp.tracked.empty());  // not a member
  // A script only the group tracks is run.
  REQUIRE(plan.scripts.size() == 2);
  CHECK(plan.scripts[0].name == "group_only");
}
