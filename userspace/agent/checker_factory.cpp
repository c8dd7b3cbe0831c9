#include "agent/checker_factory.h"

#include <algorithm>
#include <stdexcept>
#include <type_traits>

#include "common/process.h"
#include "common/script_identity.h"
#include "config/check_scripts.h"
#include "config/checker_timing.h"

namespace xdplb::agent {

namespace {

asio::ip::address to_asio(const config::IpAddress& a) {
  if (a.is_ipv4()) {
    asio::ip::address_v4::bytes_type b;
    std::copy_n(a.bytes.begin(), 4, b.begin());
    return asio::ip::address_v4(b);
  }
  asio::ip::address_v6::bytes_type b;
  std::copy_n(a.bytes.begin(), 16, b.begin());
  return asio::ip::address_v6(b);
}

check::CheckTarget target_of(const config::RealServer& rs, const config::CheckerCommon& c, std::uint16_t default_port) {
  check::CheckTarget t;
  t.address = to_asio(c.connect_ip.value_or(rs.address));
  t.port = c.connect_port.value_or(rs.port ? rs.port : default_port);
  if (c.bindto) t.bindto = to_asio(*c.bindto);
  t.bind_port = c.bind_port.value_or(0);
  return t;
}

check::SchedulingParams scheduling_of(const config::VirtualServer& vs, const config::RealServer& rs,
                                      const config::Checker& checker) {
  const auto timing = config::effective_timing(vs, rs, checker);
  check::SchedulingParams p;
  p.delay_loop = timing.delay_loop;
  p.connect_timeout = timing.connect_timeout;
  p.retry = timing.retry;
  p.delay_before_retry = timing.delay_before_retry;
  p.warmup = timing.warmup;
  p.alpha = timing.alpha;
  return p;
}

check::UdpCheckParams plan_udp(const config::RealServer& rs, const config::UdpCheck& c, std::uint16_t vs_port) {
  check::UdpCheckParams p;
  p.target = target_of(rs, c, vs_port);
  p.payload = c.payload;
  p.require_reply = c.require_reply;
  p.reply_data = c.reply_data;
  p.reply_mask = c.reply_mask;
  p.min_reply_length = c.min_reply_length;
  p.max_reply_length = c.max_reply_length;
  return p;
}

// FILE_CHECK: its weight, else (unset or 0, as keepalived reads it) the track_file's.
check::FileCheckParams plan_file(const config::Config& config, const config::RealServer& rs,
                                 const config::FileCheck& c) {
  const auto file = std::find_if(config.track_files.begin(), config.track_files.end(),
                                 [&](const config::TrackFile& f) { return f.name == c.track_file; });
  if (file == config.track_files.end())
    throw std::invalid_argument("FILE_CHECK track_file " + c.track_file + " has no track_file block");
  check::FileCheckParams p;
  p.track_file = file->name;
  p.path = file->file;
  const bool own_weight = c.weight && *c.weight != 0;
  p.weight = own_weight ? *c.weight : file->weight;
  p.reverse = own_weight ? c.reverse : file->weight_reverse;
  p.server_weight = rs.weight;
  return p;
}

// FILE_CHECK has no schedule of its own: the file's changes drive it (check/file_check.h).
check::SchedulingParams file_scheduling(check::SchedulingParams p) {
  p.delay_loop = check::Clock::duration::zero();
  p.retry = 0;
  p.delay_before_retry = check::Clock::duration::zero();
  p.warmup = check::Clock::duration::zero();
  return p;
}

}  // namespace

void plan_misc_script(check::MiscCheckParams& p, const config::Config& config, const config::MiscCheck& c,
                      const UserDatabase& users) {
  const auto planned = plan_script(c.misc_path, c.user, c.group, config::script_defaults(config.global), users);
  if (planned.error) throw std::invalid_argument("MISC_CHECK " + c.misc_path + ": " + *planned.error);
  if (planned.disabled) throw std::invalid_argument("MISC_CHECK " + c.misc_path + " is disabled: " + *planned.disabled);
  p.misc_path = checked_command(c.misc_path, planned);
  p.uid = planned.identity.uid;
  p.gid = planned.identity.gid;
}

check::PlannedCheck plan_checker(const config::Config& config, const config::VirtualServer& vs,
                                 const config::RealServer& rs, const config::Checker& checker,
                                 const UserDatabase& users) {
  auto planned = std::visit(
      [&](const auto& c) -> check::PlannedCheck {
        using T = std::decay_t<decltype(c)>;
        check::PlannedCheck built{check::TcpCheckParams{}, scheduling_of(vs, rs, checker)};
        const std::uint16_t vs_port = vs.port;
        if constexpr (std::is_same_v<T, config::TcpCheck>) {
          built.params = check::TcpCheckParams{target_of(rs, c, vs_port)};
        } else if constexpr (std::is_same_v<T, config::HttpGetCheck>) {
          check::HttpCheckParams p;
          p.target = target_of(rs, c, vs_port ? vs_port : (c.tls ? 443 : 80));
          p.tls = c.tls;
          for (const auto& u : c.urls) {
            check::HttpUrl url;
            url.path = u.path;
            for (const auto& range : u.status_codes)
              for (unsigned code = range.first; code <= range.last; ++code) url.status_codes.push_back(code);
            if (!u.digest.empty()) url.digest = u.digest;
            p.urls.push_back(std::move(url));
          }
          if (!c.virtualhost.empty()) p.virtualhost = c.virtualhost;
          else if (!vs.virtualhost.empty()) p.virtualhost = vs.virtualhost;
          p.enable_sni = c.enable_sni;
          built.params = std::move(p);
        } else if constexpr (std::is_same_v<T, config::MiscCheck>) {
          check::MiscCheckParams p;
          p.misc_timeout = c.misc_timeout;
          p.misc_dynamic = c.misc_dynamic;
          plan_misc_script(p, config, c, users);
          built.params = std::move(p);
        } else if constexpr (std::is_same_v<T, config::PingCheck>) {
          built.params = check::IcmpCheckParams{target_of(rs, c, 0)};
        } else if constexpr (std::is_same_v<T, config::SmtpCheck>) {
          // SMTP_CHECK and DNS_CHECK talk to their well-known port unless connect_port says otherwise.
          auto target = target_of(rs, c, 25);
          if (!c.connect_port) target.port = 25;
          built.params = check::SmtpCheckParams{target, c.helo_name};
        } else if constexpr (std::is_same_v<T, config::UdpCheck>) {
          built.params = plan_udp(rs, c, vs_port);
        } else if constexpr (std::is_same_v<T, config::FileCheck>) {
          built.params = plan_file(config, rs, c);
          built.scheduling = file_scheduling(built.scheduling);
        } else {
          static_assert(std::is_same_v<T, config::DnsCheck>);
          check::DnsCheckParams p;
          p.target = target_of(rs, c, 53);
          if (!c.connect_port) p.target.port = 53;
          p.type = c.type;
          p.name = c.name;
          built.params = std::move(p);
        }
        return built;
      },
      checker);
  check::validate(planned);
  return planned;
}

}  // namespace xdplb::agent
