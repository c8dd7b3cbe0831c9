// The one rule for who runs a script and whether it may run (common/script_identity.h), rule by rule
// as keepalived 2.2 applies them. Files live in a per-test directory whose modes the tests set; the
// tests run as root, so they can give files to other owners.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>

#include "common/process.h"
#include "common/script_identity.h"

namespace {

using xdplb::plan_script;
using xdplb::ScriptDefaults;

class FakeUsers final : public xdplb::UserDatabase {
 public:
  explicit FakeUsers(bool with_keepalived_script = true) {
    users_ = {{"root", {0, 0}}, {"nobody", {65534, 65534}}, {"alice", {1000, 1000}}};
    if (with_keepalived_script) users_["keepalived_script"] = {990, 991};
  }
  std::optional<xdplb::UserIds> user(const std::string& name) const override {
    const auto found = users_.find(name);
    return found == users_.end() ? std::nullopt : std::optional(found->second);
  }
  std::optional<gid_t> group(const std::string& name) const override {
    static const std::map<std::string, gid_t> groups = {{"root", 0}, {"nogroup", 65534}, {"staff", 50}};
    const auto found = groups.find(name);
    return found == groups.end() ? std::nullopt : std::optional(found->second);
  }

 private:
  std::map<std::string, xdplb::UserIds> users_;
};

// A root-owned 0755 directory under /tmp (itself sticky, which the rule accepts), removed at the end.
class ScriptDir {
 public:
  ScriptDir() {
    std::string pattern = "/tmp/xdplb-script-test-XXXXXX";
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
    ::chmod(path_.c_str(), 0755);
  }
  ~ScriptDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScriptDir(const ScriptDir&) = delete;
  ScriptDir& operator=(const ScriptDir&) = delete;

  std::string script(const std::string& name, mode_t mode = 0755) const {
    const std::string file = path_ + "/" + name;
    std::filesystem::create_directories(std::filesystem::path(file).parent_path());
    std::ofstream(file) << "#!/bin/sh\nexit 0\n";
    ::chmod(file.c_str(), mode);
    return file;
  }
  std::string directory(const std::string& name, mode_t mode) const {
    const std::string dir = path_ + "/" + name;
    std::filesystem::create_directories(dir);
    ::chmod(dir.c_str(), mode);
    return dir;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("script identity: keepalived_script is the default user when nothing names one") {
  ScriptDir dir;
  const auto planned = plan_script(dir.script("ok.sh"), "", "", ScriptDefaults{}, FakeUsers{});
  REQUIRE(planned.runnable());
  CHECK(planned.identity.uid == 990);
  CHECK(planned.identity.gid == 991);
  CHECK(planned.identity.user == "keepalived_script");
  CHECK(planned.warnings.empty());
}

TEST_CASE("script identity: without keepalived_script it is root with a warning, unless script security") {
  ScriptDir dir;
  const auto script = dir.script("ok.sh");
  const auto as_root = plan_script(script, "", "", ScriptDefaults{}, FakeUsers{false});
  REQUIRE(as_root.runnable());
  CHECK(as_root.identity.uid == 0);
  REQUIRE_FALSE(as_root.warnings.empty());
  CHECK(contains(as_root.warnings.front(), "keepalived_script does not exist"));

  const auto refused = plan_script(script, "", "", ScriptDefaults{"", "", true}, FakeUsers{false});
  REQUIRE(refused.error);
  CHECK(contains(*refused.error, "enable_script_security does not run scripts as root by default"));
}

TEST_CASE("script identity: script_user and its group; a block's own user takes its own primary group") {
  ScriptDir dir;
  const auto script = dir.script("ok.sh");
  const ScriptDefaults defaults{"nobody", "staff", false};
  const auto global = plan_script(script, "", "", defaults, FakeUsers{});
  CHECK(global.identity.uid == 65534);
  CHECK(global.identity.gid == 50);

  const auto global_primary = plan_script(script, "", "", ScriptDefaults{"nobody", "", false}, FakeUsers{});
  CHECK(global_primary.identity.gid == 65534);

  // vrrp_script / MISC_CHECK `user alice`: alice's group, not global_defs' script_group.
  const auto own = plan_script(script, "alice", "", defaults, FakeUsers{});
  CHECK(own.identity.uid == 1000);
  CHECK(own.identity.gid == 1000);
  const auto own_group = plan_script(script, "alice", "nogroup", defaults, FakeUsers{});
  CHECK(own_group.identity.gid == 65534);
}

TEST_CASE("script identity: a user or group that does not exist is a configuration error") {
  ScriptDir dir;
  const auto script = dir.script("ok.sh");
  const auto no_user = plan_script(script, "ghost", "", ScriptDefaults{}, FakeUsers{});
  REQUIRE(no_user.error);
  CHECK(*no_user.error == "script user 'ghost' does not exist");
  const auto no_group = plan_script(script, "alice", "ghosts", ScriptDefaults{}, FakeUsers{});
  REQUIRE(no_group.error);
  CHECK(*no_group.error == "script user group 'ghosts' does not exist");
  const auto no_global = plan_script(script, "", "", ScriptDefaults{"ghost", "", true}, FakeUsers{});
  REQUIRE(no_global.error);
  CHECK(*no_global.error == "script_user 'ghost' does not exist");
}

TEST_CASE("script identity: root runs a script under script security only when written, and only a safe one") {
  ScriptDir dir;
  const ScriptDefaults secure{"root", "", true};
  const auto safe = plan_script(dir.script("ok.sh"), "", "", secure, FakeUsers{false});
  REQUIRE(safe.runnable());
  CHECK(safe.identity.uid == 0);

  const auto world_writable = plan_script(dir.script("open.sh", 0777), "", "", secure, FakeUsers{});
  REQUIRE(world_writable.disabled);
  CHECK(contains(*world_writable.disabled, "open.sh is writable by everyone (mode 0777)"));
  CHECK_FALSE(world_writable.error);  // disabled, not a configuration error

  const auto explicit_root = plan_script(dir.script("open2.sh", 0777), "root", "", ScriptDefaults{"nobody", "", true},
                                         FakeUsers{});
  CHECK(explicit_root.disabled);
}

TEST_CASE("script identity: every directory of the path counts, sticky ones excepted") {
  ScriptDir dir;
  const ScriptDefaults secure{"root", "", true};
  dir.directory("open", 0777);
  const auto in_open_dir = plan_script(dir.script("open/run.sh"), "", "", secure, FakeUsers{});
  REQUIRE(in_open_dir.disabled);
  CHECK(contains(*in_open_dir.disabled, dir.path() + "/open is writable by everyone"));

  dir.directory("sticky", 01777);
  CHECK(plan_script(dir.script("sticky/run.sh"), "", "", secure, FakeUsers{}).runnable());

  const std::string group_dir = dir.directory("staff", 0775);
  REQUIRE(::chown(group_dir.c_str(), 0, 50) == 0);
  const auto group_writable = plan_script(dir.script("staff/run.sh"), "", "", secure, FakeUsers{});
  REQUIRE(group_writable.disabled);
  CHECK(contains(*group_writable.disabled, "writable by group 50"));

  const std::string owned = dir.script("alice.sh");
  REQUIRE(::chown(owned.c_str(), 1000, 1000) == 0);
  const auto not_root_owned = plan_script(owned, "", "", secure, FakeUsers{});
  REQUIRE(not_root_owned.disabled);
  CHECK(contains(*not_root_owned.disabled, "alice.sh is owned by uid 1000, not root"));
}

TEST_CASE("script identity: without script security an unsafe script runs, with a warning") {
  ScriptDir dir;
  const auto planned = plan_script(dir.script("open.sh", 0777), "", "", ScriptDefaults{"root", "", false}, FakeUsers{});
  REQUIRE(planned.runnable());
  REQUIRE(planned.warnings.size() == 1);
  CHECK(contains(planned.warnings.front(), "unsafe permissions"));
  CHECK(contains(planned.warnings.front(), "enable_script_security would disable it"));
}

TEST_CASE("script identity: the path check guards root's power only (keepalived's rule)") {
  ScriptDir dir;
  const ScriptDefaults secure{"nobody", "", true};
  // Run as nobody, a world-writable script gives nobody nothing it did not have.
  CHECK(plan_script(dir.script("open.sh", 0777), "", "", secure, FakeUsers{}).runnable());
  // A set-uid root file runs with root's power whoever starts it.
  const auto setuid = plan_script(dir.script("open-suid.sh", 04757), "", "", secure, FakeUsers{});
  REQUIRE(setuid.disabled);
  CHECK(contains(*setuid.disabled, "unsafe permissions"));
  // Group root is root's power too.
  CHECK(plan_script(dir.script("open-g.sh", 0777), "nobody", "root", secure, FakeUsers{}).disabled);
}

TEST_CASE("script identity: symbolic links - the link and its target are both checked") {
  ScriptDir dir;
  const ScriptDefaults secure{"root", "", true};
  dir.directory("open", 0777);
  const std::string target = dir.script("open/real.sh");
  const std::string link = dir.path() + "/link.sh";
  REQUIRE(::symlink(target.c_str(), link.c_str()) == 0);
  const auto via_link = plan_script(link, "", "", secure, FakeUsers{});
  REQUIRE(via_link.disabled);
  CHECK(contains(*via_link.disabled, dir.path() + "/open is writable by everyone"));
  CHECK(via_link.argv.front() == link);  // the name stays: some programs act on the name they are called by

  const std::string safe_target = dir.script("real2.sh");
  const std::string foreign_link = dir.path() + "/alice-link.sh";
  REQUIRE(::symlink(safe_target.c_str(), foreign_link.c_str()) == 0);
  REQUIRE(::lchown(foreign_link.c_str(), 1000, 1000) == 0);
  const auto foreign = plan_script(foreign_link, "", "", secure, FakeUsers{});
  REQUIRE(foreign.disabled);
  CHECK(contains(*foreign.disabled, "owned by uid 1000"));

  // A link to a safe file in a safe directory is fine.
  const std::string good_link = dir.path() + "/good-link.sh";
  REQUIRE(::symlink(safe_target.c_str(), good_link.c_str()) == 0);
  CHECK(plan_script(good_link, "", "", secure, FakeUsers{}).runnable());
}

TEST_CASE("script identity: a script that is missing or not executable for its user is disabled") {
  ScriptDir dir;
  const ScriptDefaults defaults{"nobody", "", false};
  const auto missing = plan_script(dir.path() + "/missing.sh", "", "", defaults, FakeUsers{});
  REQUIRE(missing.disabled);
  CHECK(contains(*missing.disabled, "No such file or directory"));
  const auto owner_only = plan_script(dir.script("owner-only.sh", 0744), "", "", defaults, FakeUsers{});
  REQUIRE(owner_only.disabled);
  CHECK(contains(*owner_only.disabled, "not executable by uid:gid 65534:65534"));
  CHECK(plan_script(dir.path(), "", "", defaults, FakeUsers{}).disabled);  // a directory
}

TEST_CASE("script identity: a bare name is found in PATH for the script's user, with a warning") {
  ScriptDir dir;
  dir.script("found-here.sh");
  const std::string saved = std::getenv("PATH") ? std::getenv("PATH") : "";
  ::setenv("PATH", dir.path().c_str(), 1);
  const auto planned = plan_script("found-here.sh --flag", "", "", ScriptDefaults{"nobody", "", false}, FakeUsers{});
  const auto absent = plan_script("absent.sh", "", "", ScriptDefaults{"nobody", "", false}, FakeUsers{});
  ::setenv("PATH", saved.c_str(), 1);
  REQUIRE(planned.runnable());
  CHECK(planned.argv == std::vector<std::string>{dir.path() + "/found-here.sh", "--flag"});
  REQUIRE(planned.warnings.size() == 1);
  CHECK(contains(planned.warnings.front(), "found by a PATH search"));
  CHECK(xdplb::split_command_line(xdplb::checked_command("found-here.sh --flag", planned)) == planned.argv);
  REQUIRE(absent.disabled);
  CHECK(contains(*absent.disabled, "'absent.sh' was not found in PATH"));
}

TEST_CASE("script identity: only the program is checked, not a file given to an interpreter (as keepalived)") {
  ScriptDir dir;
  const auto open = dir.script("open.sh", 0777);
  const auto planned = plan_script("/bin/sh " + open, "", "", ScriptDefaults{"root", "", true}, FakeUsers{});
  CHECK(planned.runnable());
  CHECK(xdplb::checked_command("/bin/sh " + open, planned) == "/bin/sh " + open);
}

TEST_CASE("script identity: a command that does not split into words is a configuration error") {
  const auto planned = plan_script("'/bin/true", "", "", ScriptDefaults{}, FakeUsers{});
  REQUIRE(planned.error);
  CHECK(contains(*planned.error, "unterminated"));
}

TEST_CASE("script identity: join_command_line is split_command_line's inverse") {
  const std::vector<std::string> argv = {"/opt/my scripts/run.sh", "it's", "a \"b\" $c", ""};
  CHECK(xdplb::split_command_line(xdplb::join_command_line(argv)) == argv);
}
