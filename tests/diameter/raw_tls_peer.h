// Test support: a bare Diameter-over-TLS peer built on OpenSSL, so that the HSS side can be
// tested alone. freeDiameter as a client refuses to start with a certificate its TLS_CA does
// not cover, and rejects a server it does not trust, so it cannot show that the *server*
// refuses a client certificate from another CA. This peer presents any certificate, does not
// check the server's, sends a hand-made CER (RFC 6733 §5.3.1) and reports the first answer.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>

#include "common/bytes.h"
#include "diameter/fd_config.h"

namespace kmebind::diameter::testing {

// One AVP (RFC 6733 §4.1), padded to 4 octets; vendor 0 → no Vendor-Id field.
inline void put_avp(ByteWriter& w, std::uint32_t code, ByteView data, std::uint32_t vendor = 0) {
  std::uint32_t header = vendor != 0 ? 12 : 8;
  w.u32(code);
  w.u8(static_cast<std::uint8_t>(0x40 | (vendor != 0 ? 0x80 : 0)));
  w.u24(static_cast<std::uint32_t>(header + data.size()));
  if (vendor != 0) w.u32(vendor);
  w.bytes(data);
  while (w.size() % 4 != 0) w.u8(0);
}

inline Bytes u32_octets(std::uint32_t v) {
  ByteWriter w;
  w.u32(v);
  return w.take();
}

// CER from `origin_host` advertising S6a (Vendor-Specific-Application-Id {10415, 16777251}).
inline Bytes make_cer(const std::string& origin_host, const std::string& realm) {
  ByteWriter body;
  put_avp(body, 264, as_bytes(origin_host));         // Origin-Host
  put_avp(body, 296, as_bytes(realm));               // Origin-Realm
  put_avp(body, 257, Bytes{0, 1, 127, 0, 0, 1});    // Host-IP-Address 127.0.0.1
  put_avp(body, 266, u32_octets(0));                 // Vendor-Id
  put_avp(body, 269, as_bytes("kmebind-test-peer"));  // Product-Name
  put_avp(body, 265, u32_octets(10415));             // Supported-Vendor-Id
  ByteWriter vsai;
  put_avp(vsai, 266, u32_octets(10415));
  put_avp(vsai, 258, u32_octets(16777251));
  put_avp(body, 260, vsai.view());                   // Vendor-Specific-Application-Id
  ByteWriter msg;
  msg.u8(1);
  msg.u24(static_cast<std::uint32_t>(20 + body.size()));
  msg.u8(0x80);  // R
  msg.u24(257);  // CER
  msg.u32(0);
  msg.u32(0x1234);
  msg.u32(0x5678);
  msg.bytes(body.view());
  return msg.take();
}

// Connects to 127.0.0.1:`port` with TLS presenting `files.cert_file`/`key_file`, sends
// `request`, returns the first whole Diameter message received, or nullopt if the TLS
// handshake fails or the connection ends first.
inline std::optional<Bytes> tls_exchange(std::uint16_t port, const TlsFiles& files,
                                         ByteView request, std::chrono::milliseconds timeout) {
  signal(SIGPIPE, SIG_IGN);  // the server may close while we write
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return std::nullopt;
  std::optional<Bytes> out;
  int s = -1;
  SSL* ssl = nullptr;
  do {
    if (SSL_CTX_use_certificate_file(ctx, files.cert_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, files.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      break;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    s = socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{static_cast<time_t>(timeout.count() / 1000),
               static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) break;
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, s);
    if (SSL_connect(ssl) != 1) break;
    if (SSL_write(ssl, request.data(), static_cast<int>(request.size())) <= 0) break;
    Bytes got;
    std::uint8_t chunk[4096];
    while (true) {
      int n = SSL_read(ssl, chunk, sizeof chunk);
      if (n <= 0) break;
      got.insert(got.end(), chunk, chunk + n);
      if (got.size() >= 4) {
        std::size_t len = (std::size_t{got[1]} << 16) | (std::size_t{got[2]} << 8) | got[3];
        if (got.size() >= len) {
          got.resize(len);
          out = std::move(got);
          break;
        }
      }
    }
  } while (false);
  if (ssl != nullptr) SSL_free(ssl);
  if (s >= 0) close(s);
  SSL_CTX_free(ctx);
  ERR_clear_error();
  return out;
}

// tls_exchange, tried up to `attempts` times until an answer arrives: a peer that closes right
// after answering may reset the connection before our read (RST discards unread data).
inline std::optional<Bytes> tls_exchange_retrying(std::uint16_t port, const TlsFiles& files,
                                                  ByteView request, std::chrono::milliseconds timeout,
                                                  int attempts = 3) {
  for (int i = 0; i < attempts; ++i) {
    if (auto answer = tls_exchange(port, files, request, timeout)) return answer;
  }
  return std::nullopt;
}

// Result-Code of a CEA (or any answer), or 0 if absent.
inline std::uint32_t result_code_of(const Bytes& message) {
  std::size_t pos = 20;
  while (pos + 8 <= message.size()) {
    std::uint32_t code = (std::uint32_t{message[pos]} << 24) | (message[pos + 1] << 16) |
                         (message[pos + 2] << 8) | message[pos + 3];
    std::size_t len = (std::size_t{message[pos + 5]} << 16) | (std::size_t{message[pos + 6]} << 8) |
                      message[pos + 7];
    if (len < 8) break;
    if (code == 268 && len == 12 && pos + 12 <= message.size()) {
      return (std::uint32_t{message[pos + 8]} << 24) | (message[pos + 9] << 16) |
             (message[pos + 10] << 8) | message[pos + 11];
    }
    pos += (len + 3) & ~std::size_t{3};
  }
  return 0;
}

}  // namespace kmebind::diameter::testing
