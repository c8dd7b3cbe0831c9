#include "check/http_check.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/ssl.hpp>
#include <asio/write.hpp>
#include <cctype>
#include <charconv>
#include <stdexcept>

#include "check/attempt.h"

namespace xdplb::check {
namespace {

constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

struct Md5Context {
  Md5Context() : ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free) {
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_md5(), nullptr) != 1)
      throw std::runtime_error("OpenSSL: cannot initialise MD5");
  }
  void update(const char* data, std::size_t size) { EVP_DigestUpdate(ctx.get(), data, size); }
  std::string hex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    EVP_DigestFinal_ex(ctx.get(), digest.data(), &length);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < length; ++i) {
      out += kHex[digest[i] >> 4];
      out += kHex[digest[i] & 0xf];
    }
    return out;
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx;
};

bool status_accepted(const HttpUrl& url, unsigned status) {
  if (url.status_codes.empty()) return status >= 200 && status < 300;
  return std::find(url.status_codes.begin(), url.status_codes.end(), status) != url.status_codes.end();
}

std::string host_header(const HttpCheckParams& params) {
  if (params.virtualhost) return *params.virtualhost;
  const auto& t = params.target;
  std::string host = t.address.is_v6() ? "[" + t.address.to_string() + "]" : t.address.to_string();
  bool default_port = (params.tls && t.port == 443) || (!params.tls && t.port == 80);
  return default_port ? host : host + ":" + std::to_string(t.port);
}

using TlsStream = asio::ssl::stream<asio::ip::tcp::socket>;

class HttpAttempt final : public Attempt<HttpAttempt> {
 public:
  HttpAttempt(asio::io_context& io, std::shared_ptr<const HttpCheckParams> params,
              std::shared_ptr<asio::ssl::context> tls_context, Clock::duration connect_timeout,
              Checker::Completion done)
      : Attempt(io, std::move(done)),
        params_(std::move(params)),
        tls_context_(std::move(tls_context)),
        connect_timeout_(connect_timeout) {}

  void fetch_next_url() {
    if (url_index_ == params_->urls.size()) {
      return succeed(std::string(params_->tls ? "SSL_GET " : "HTTP_GET ") + params_->target.describe() + ": " +
                     std::to_string(params_->urls.size()) + " url(s) passed");
    }
    // A fresh connection per url, as keepalived does; the previous one is closed by now.
    stream_.reset();
    socket_.emplace(io_);
    header_.clear();
    body_bytes_ = 0;
    status_ = 0;
    headers_done_ = false;
    md5_.reset();
    if (current().digest) md5_.emplace();

    asio::ip::tcp::endpoint endpoint(params_->target.address, params_->target.port);
    if (!open_and_bind(*socket_, params_->target, endpoint.protocol())) return;
    arm_deadline(connect_timeout_, "connect to " + params_->target.describe() + " timed out");
    socket_->async_connect(endpoint, [self = shared_from_this()](const std::error_code& ec) {
      if (self->finished()) return;
      if (ec) return self->fail("connect to " + self->params_->target.describe() + " failed: " + ec.message());
      self->arm_deadline(self->connect_timeout_, self->where() + ": no complete answer within connect_timeout");
      if (self->params_->tls) return self->handshake();
      self->send_request();
    });
  }

 private:
  const HttpUrl& current() const { return params_->urls[url_index_]; }
  std::string where() const {
    return std::string(params_->tls ? "https://" : "http://") + params_->target.describe() + current().path;
  }

  void handshake() {
    stream_.emplace(std::move(*socket_), *tls_context_);
    socket_.reset();
    std::string sni = params_->sni.value_or(params_->virtualhost.value_or(""));
    if (params_->enable_sni && !sni.empty()) {
      // SSL_set_tlsext_host_name() is a macro with a C cast; this is what it expands to.
      SSL_ctrl(stream_->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               static_cast<void*>(sni.data()));
    }
    if (params_->verify_certificate) {
      std::string expected = sni.empty() ? params_->target.address.to_string() : sni;
      stream_->set_verify_callback(asio::ssl::host_name_verification(expected));
    }
    stream_->async_handshake(asio::ssl::stream_base::client, [self = shared_from_this()](const std::error_code& ec) {
      if (self->finished()) return;
      if (ec) return self->fail("TLS handshake with " + self->params_->target.describe() + " failed: " + ec.message());
      self->send_request();
    });
  }

  void send_request() {
    request_ = "GET " + current().path + " HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: " + host_header(*params_) +
               "\r\nConnection: close\r\n\r\n";
    auto on_written = [self = shared_from_this()](const std::error_code& ec, std::size_t) {
      if (self->finished()) return;
      if (ec) return self->fail(self->where() + ": sending the request failed: " + ec.message());
      self->read_more();
    };
    if (stream_) {
      asio::async_write(*stream_, asio::buffer(request_), on_written);
    } else {
      asio::async_write(*socket_, asio::buffer(request_), on_written);
    }
  }

  void read_more() {
    auto on_read = [self = shared_from_this()](const std::error_code& ec, std::size_t n) {
      if (self->finished()) return;
      if (!self->consume(self->buffer_.data(), n)) return;  // verdict reached or next url started
      // A TLS peer that closes without close_notify still delivered the whole HTTP/1.0 body.
      bool end = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
      if (end) return self->complete_url();
      if (ec) return self->fail(self->where() + ": reading the response failed: " + ec.message());
      self->read_more();
    };
    if (stream_) {
      stream_->async_read_some(asio::buffer(buffer_), on_read);
    } else {
      socket_->async_read_some(asio::buffer(buffer_), on_read);
    }
  }

  // Returns whether the current response needs more bytes.
  bool consume(const char* data, std::size_t size) {
    if (headers_done_) return feed_body(data, size);
    header_.append(data, size);
    auto end = header_.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (header_.size() <= kMaxHeaderBytes) return true;
      fail(where() + ": response headers larger than 64 KiB");
      return false;
    }
    headers_done_ = true;
    if (!parse_status_line()) return false;
    std::string body = header_.substr(end + 4);
    header_.resize(end);
    if (!md5_) {  // only the status matters: no need to read the body
      complete_url();
      return false;
    }
    return feed_body(body.data(), body.size());
  }

  bool feed_body(const char* data, std::size_t size) {
    body_bytes_ += size;
    if (body_bytes_ > params_->max_response_bytes) {
      fail(where() + ": body larger than " + std::to_string(params_->max_response_bytes) + " bytes");
      return false;
    }
    md5_->update(data, size);
    return true;
  }

  bool parse_status_line() {
    // "HTTP/1.1 200 OK"
    auto space = header_.find(' ');
    if (header_.compare(0, 5, "HTTP/") != 0 || space == std::string::npos || header_.size() < space + 4) {
      fail(where() + ": not an HTTP response");
      return false;
    }
    auto first = header_.data() + space + 1;
    auto [ptr, ec] = std::from_chars(first, first + 3, status_);
    if (ec != std::errc{} || ptr != first + 3) {
      fail(where() + ": malformed HTTP status line");
      return false;
    }
    return true;
  }

  void complete_url() {
    if (!headers_done_) return fail(where() + ": connection closed before a complete HTTP header");
    if (!status_accepted(current(), status_)) {
      return fail(where() + ": HTTP status " + std::to_string(status_) + " not accepted");
    }
    if (md5_) {
      std::string got = md5_->hex();
      if (got != *current().digest) {
        return fail(where() + ": body digest " + got + " differs from expected " + *current().digest);
      }
    }
    spdlog::debug("{}: HTTP {} ok", where(), status_);
    abort_io();
    ++url_index_;
    fetch_next_url();
  }

  void abort_io() override {
    std::error_code ignored;
    if (socket_) socket_->close(ignored);
    if (stream_) stream_->lowest_layer().close(ignored);
  }

  std::shared_ptr<const HttpCheckParams> params_;
  std::shared_ptr<asio::ssl::context> tls_context_;
  Clock::duration connect_timeout_;
  std::size_t url_index_ = 0;
  std::optional<asio::ip::tcp::socket> socket_;
  std::optional<TlsStream> stream_;
  std::string request_;
  std::array<char, 16 * 1024> buffer_{};
  std::string header_;
  bool headers_done_ = false;
  unsigned status_ = 0;
  std::size_t body_bytes_ = 0;
  std::optional<Md5Context> md5_;
};

bool is_hex_digest(const std::string& digest) {
  return digest.size() == 32 &&
         std::all_of(digest.begin(), digest.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

}  // namespace

std::string md5_hex(std::string_view data) {
  Md5Context md5;
  md5.update(data.data(), data.size());
  return md5.hex();
}

void HttpCheck::validate(const HttpCheckParams& params) {
  if (params.urls.empty()) throw std::invalid_argument("HTTP_GET/SSL_GET needs at least one url");
  for (const auto& url : params.urls) {
    if (url.path.empty() || url.path.front() != '/' ||
        url.path.find_first_of(" \r\n") != std::string::npos) {
      throw std::invalid_argument("url path must start with '/' and contain no blanks: '" + url.path + "'");
    }
    if (url.digest && !is_hex_digest(*url.digest)) {
      throw std::invalid_argument("digest must be 32 hex digits (MD5): '" + *url.digest + "'");
    }
    for (unsigned code : url.status_codes) {
      if (code < 100 || code > 599) throw std::invalid_argument("status_code out of range 100-599: " + std::to_string(code));
    }
  }
  if (params.virtualhost && params.virtualhost->find_first_of(" \r\n") != std::string::npos) {
    throw std::invalid_argument("virtualhost contains blanks or line breaks");
  }
}

HttpCheck::HttpCheck(asio::io_context& io, HttpCheckParams params) : io_(io) {
  validate(params);
  for (auto& url : params.urls)
    if (url.digest)
      std::transform(url.digest->begin(), url.digest->end(), url.digest->begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (params.tls) {
    tls_context_ = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    if (params.verify_certificate) {
      tls_context_->set_verify_mode(asio::ssl::verify_peer);
      if (params.ca_file) {
        tls_context_->load_verify_file(*params.ca_file);
      } else {
        tls_context_->set_default_verify_paths();
      }
    } else {
      tls_context_->set_verify_mode(asio::ssl::verify_none);
    }
  }
  params_ = std::make_shared<const HttpCheckParams>(std::move(params));
}

HttpCheck::~HttpCheck() = default;

void HttpCheck::start(Clock::duration connect_timeout, Completion done) {
  auto attempt = std::make_shared<HttpAttempt>(io_, params_, tls_context_, connect_timeout, std::move(done));
  asio::post(io_, [attempt] { attempt->fetch_next_url(); });
}

std::string HttpCheck::describe() const {
  return std::string(params_->tls ? "SSL_GET " : "HTTP_GET ") + params_->target.describe();
}

}  // namespace xdplb::check
