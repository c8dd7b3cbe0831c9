// HTTP_GET and SSL_GET: fetch each url and compare the status code and/or the MD5 digest of the
// body, as keepalived does. SSL_GET runs over OpenSSL; like keepalived it does not verify the
// server certificate unless asked to, and sends SNI (virtualhost unless `sni` overrides it).
#pragma once

#include <asio/io_context.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "check/checker.h"

namespace asio::ssl {
class context;
}

namespace xdplb::check {

struct HttpUrl {
  std::string path = "/";
  std::vector<unsigned> status_codes;  // accepted codes; empty accepts any 2xx
  std::optional<std::string> digest;   // MD5 of the body, 32 hex digits (genhash's output)
  bool operator==(const HttpUrl&) const = default;
};

struct HttpCheckParams {
  CheckTarget target;
  bool tls = false;                        // SSL_GET
  std::vector<HttpUrl> urls;               // all must pass
  std::optional<std::string> virtualhost;  // Host header (and SNI); default: the target address
  std::optional<std::string> sni;          // SNI name when it must differ from virtualhost
  bool enable_sni = true;
  bool verify_certificate = false;         // keepalived never verifies; opt in here
  std::optional<std::string> ca_file;      // trust anchors for verify_certificate (default: system)
  std::size_t max_response_bytes = 16 * 1024 * 1024;  // a runaway body fails instead of eating memory
  bool operator==(const HttpCheckParams&) const = default;
};

class HttpCheck final : public Checker {
 public:
  // Throws std::invalid_argument on parameters no server could satisfy (no url, bad digest, ...).
  HttpCheck(asio::io_context& io, HttpCheckParams params);
  ~HttpCheck() override;
  // The constructor's checks alone, for planning before the loop builds the checker.
  static void validate(const HttpCheckParams& params);
  void start(Clock::duration connect_timeout, Completion done) override;
  std::string describe() const override;

 private:
  asio::io_context& io_;
  std::shared_ptr<const HttpCheckParams> params_;
  std::shared_ptr<asio::ssl::context> tls_context_;
};

// Lowercase hex MD5 of `data`, the form keepalived's genhash prints and `digest` expects.
std::string md5_hex(std::string_view data);

}  // namespace xdplb::check
