#include "check/planned_check.h"

#include <type_traits>

namespace xdplb::check {

void validate(const PlannedCheck& plan) {
  std::visit(
      [&](const auto& p) {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, HttpCheckParams>) HttpCheck::validate(p);
        else if constexpr (std::is_same_v<T, MiscCheckParams>) MiscCheck::validate(p, plan.scheduling.delay_loop);
        else if constexpr (std::is_same_v<T, DnsCheckParams>) build_dns_query(0, p.type, p.name);
      },
      plan.params);
}

std::unique_ptr<Checker> make_checker(asio::io_context& io, const PlannedCheck& plan) {
  return std::visit(
      [&](const auto& p) -> std::unique_ptr<Checker> {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, TcpCheckParams>) return std::make_unique<TcpCheck>(io, p);
        else if constexpr (std::is_same_v<T, HttpCheckParams>) return std::make_unique<HttpCheck>(io, p);
        else if constexpr (std::is_same_v<T, MiscCheckParams>)
          return std::make_unique<MiscCheck>(io, p, plan.scheduling.delay_loop);
        else if constexpr (std::is_same_v<T, IcmpCheckParams>) return std::make_unique<IcmpCheck>(io, p);
        else if constexpr (std::is_same_v<T, SmtpCheckParams>) return std::make_unique<SmtpCheck>(io, p);
        else if constexpr (std::is_same_v<T, UdpCheckParams>) return std::make_unique<UdpCheck>(io, p);
        else if constexpr (std::is_same_v<T, FileCheckParams>) return std::make_unique<FileCheck>(io, p);
        else {
          static_assert(std::is_same_v<T, DnsCheckParams>);
          return std::make_unique<DnsCheck>(io, p);
        }
      },
      plan.params);
}

}  // namespace xdplb::check
