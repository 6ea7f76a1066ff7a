// Test support: a Diameter node made by hand, on the real mutual-TLS link of a running kmebind
// daemon. freeDiameter's own encoder cannot produce malformed AVPs, so the octets are built here
// (RFC 6733 §3 header, §4.1 AVP header, any flags and lengths) and carried by the openssl
// command: `openssl s_client` as an admitted peer of `kmebind hss` (the CNN's certificate and
// identity, with the CER/CEA exchange), or `openssl s_server` as the HSS a `kmebind cnn`
// connects to (the HSS's certificate, client certificate required). The link answers watchdog
// requests itself (DWR → DWA, RFC 6733 §5.5: a peer that reconnects stays in REOPEN until it
// answered three) and reports every other message it receives.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kmebind::test::diameter_wire {

constexpr std::uint8_t kAvpV = 0x80, kAvpM = 0x40;                // RFC 6733 §4.1
constexpr std::uint8_t kCmdR = 0x80, kCmdP = 0x40, kCmdE = 0x20;  // RFC 6733 §3

inline void put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}

inline std::string u32(std::uint32_t v) {
  std::string out;
  put_u32(out, v);
  return out;
}

// One AVP, padded to 4 octets. The Vendor-Id field is written when `flags` has V (with
// `vendor`, which may be 0); `length` overrides the AVP Length field (header included).
inline std::string avp(std::uint32_t code, const std::string& data, std::uint8_t flags = kAvpM,
                       std::uint32_t vendor = 0, std::optional<std::uint32_t> length = {}) {
  std::string out;
  put_u32(out, code);
  const std::uint32_t header = (flags & kAvpV) != 0 ? 12 : 8;
  put_u32(out, (std::uint32_t{flags} << 24) |
                   (length.value_or(header + static_cast<std::uint32_t>(data.size())) & 0xffffff));
  if ((flags & kAvpV) != 0) put_u32(out, vendor);
  out += data;
  while (out.size() % 4 != 0) out.push_back('\0');
  return out;
}

// A vendor-specific AVP (V and M set).
inline std::string vavp(std::uint32_t code, const std::string& data, std::uint32_t vendor) {
  return avp(code, data, kAvpV | kAvpM, vendor);
}

// A message; `length` overrides the Message Length field.
inline std::string message(std::uint8_t flags, std::uint32_t code, std::uint32_t app,
                           const std::string& body, std::uint32_t id,
                           std::optional<std::uint32_t> length = {}) {
  std::string out;
  put_u32(out,
          (1u << 24) | (length.value_or(20 + static_cast<std::uint32_t>(body.size())) & 0xffffff));
  put_u32(out, (std::uint32_t{flags} << 24) | code);
  put_u32(out, app);
  put_u32(out, id);  // Hop-by-Hop
  put_u32(out, id);  // End-to-End
  return out + body;
}

// An answer to `request` (its command, application, identifiers and P bit) with `body`.
inline std::string answer_to(const std::string& request, const std::string& body) {
  std::string out = message(static_cast<std::uint8_t>(request[4] & kCmdP),
                            static_cast<std::uint32_t>(static_cast<std::uint8_t>(request[5]) << 16 |
                                                       static_cast<std::uint8_t>(request[6]) << 8 |
                                                       static_cast<std::uint8_t>(request[7])),
                            0, body, 0);
  out.replace(8, 12, request.substr(8, 12));
  return out;
}

// One received message, as far as the tests look at it.
struct Received {
  std::uint32_t command = 0;
  std::uint8_t flags = 0;
  std::uint32_t hop_by_hop = 0;
  std::uint32_t result_code = 0;         // 0 when absent
  std::vector<std::uint32_t> avp_codes;  // top level, in order
  std::string octets;
};

inline std::uint32_t be(const std::string& s, std::size_t at, int n) {
  std::uint32_t v = 0;
  for (int k = 0; k < n; ++k)
    v = (v << 8) | static_cast<std::uint8_t>(s[at + static_cast<std::size_t>(k)]);
  return v;
}

inline Received parse_received(const std::string& m) {
  Received r{be(m, 5, 3), static_cast<std::uint8_t>(m[4]), be(m, 12, 4), 0, {}, m};
  for (std::size_t p = 20; p + 8 <= m.size();) {
    const std::uint32_t code = be(m, p, 4), length = be(m, p + 5, 3);
    if (length < 8) break;
    r.avp_codes.push_back(code);
    if (code == 268 && length == 12 && p + 12 <= m.size()) r.result_code = be(m, p + 8, 4);
    p += (length + 3) & ~std::size_t{3};
  }
  return r;
}

// `openssl s_client` or `s_server` as a child: its stdin and stdout are the TLS link.
class TlsLink {
 public:
  // The CNN side: connects to 127.0.0.1:`port` with `cert`/`key`, sends a CER from `host`
  // advertising S6a and waits for the CEA. nullptr if the link or the CEA did not come (the
  // reason in `*why`).
  static std::unique_ptr<TlsLink> admitted_peer(std::uint16_t port,
                                                const std::filesystem::path& cert,
                                                const std::filesystem::path& key,
                                                const std::string& host, const std::string& realm,
                                                const std::filesystem::path& err_file,
                                                std::string* why) {
    std::unique_ptr<TlsLink> p(new TlsLink(host, realm));
    const std::string connect = "127.0.0.1:" + std::to_string(port);
    // -quiet: nothing but the server's octets on stdout, no command letters read from stdin.
    if (!p->spawn({"openssl", "s_client", "-connect", connect, "-quiet", "-no_ticket", "-cert",
                   cert.string(), "-key", key.string()},
                  err_file)) {
      *why = "cannot start openssl s_client";
      return nullptr;
    }
    const std::string cer =
        message(kCmdR, 257, 0,
                avp(264, host) + avp(296, realm) + avp(257, std::string("\0\1\x7f\0\0\1", 6)) +
                    avp(266, u32(0)) + avp(269, "kmebind-raw-peer") + avp(265, u32(10415)) +
                    avp(260, avp(266, u32(10415)) + avp(258, u32(16777251))),
                0x7e570001);
    if (!p->send(cer)) {
      *why = "the CER could not be written";
      return nullptr;
    }
    auto cea = p->next(std::chrono::seconds(10));
    if (!cea || cea->command != 257 || cea->result_code != 2001) {
      *why = cea ? "CEA with Result-Code " + std::to_string(cea->result_code) : "no CEA";
      return nullptr;
    }
    return p;
  }

  // The HSS side: listens on 127.0.0.1:`port` for one link whose client certificate `ca`
  // covers; answer_cer() completes the capabilities exchange once the CER arrived.
  static std::unique_ptr<TlsLink> listener(std::uint16_t port, const std::filesystem::path& cert,
                                           const std::filesystem::path& key,
                                           const std::filesystem::path& ca, const std::string& host,
                                           const std::string& realm,
                                           const std::filesystem::path& err_file) {
    std::unique_ptr<TlsLink> p(new TlsLink(host, realm));
    const std::string accept = "127.0.0.1:" + std::to_string(port);
    if (!p->spawn({"openssl", "s_server", "-accept", accept, "-quiet", "-naccept", "1", "-cert",
                   cert.string(), "-key", key.string(), "-CAfile", ca.string(), "-Verify", "1"},
                  err_file)) {
      return nullptr;
    }
    return p;
  }

  // CEA 2001 (RFC 6733 §5.3.2) advertising S6a, to `cer`.
  bool answer_cer(const Received& cer) {
    return send(
        answer_to(cer.octets, avp(268, u32(2001)) + avp(264, host_) + avp(296, realm_) +
                                  avp(257, std::string("\0\1\x7f\0\0\1", 6)) + avp(266, u32(0)) +
                                  avp(269, "kmebind-raw-peer") + avp(265, u32(10415)) +
                                  avp(260, avp(266, u32(10415)) + avp(258, u32(16777251)))));
  }

  ~TlsLink() {
    if (to_ >= 0) ::close(to_);
    if (from_ >= 0) ::close(from_);
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  TlsLink(const TlsLink&) = delete;
  TlsLink& operator=(const TlsLink&) = delete;

  bool send(const std::string& octets) {
    std::size_t done = 0;
    while (done < octets.size()) {
      const ssize_t n = ::write(to_, octets.data() + done, octets.size() - done);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }

  // The next message other than a watchdog request (answered at once), within `timeout`;
  // nullopt on timeout or when the link closed.
  std::optional<Received> next(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      while (buffer_.size() >= 20 && be(buffer_, 1, 3) >= 20 &&
             buffer_.size() >= be(buffer_, 1, 3)) {
        const std::size_t length = be(buffer_, 1, 3);
        Received r = parse_received(buffer_.substr(0, length));
        buffer_.erase(0, length);
        if ((r.command == 280 || r.command == 282) && (r.flags & kCmdR) != 0) {
          // DWA (§5.5.2) or DPA (§5.4.2): Result-Code, Origin-Host, Origin-Realm.
          send(answer_to(r.octets, avp(268, u32(2001)) + avp(264, host_) + avp(296, realm_)));
          continue;
        }
        return r;
      }
      if (closed_) return std::nullopt;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd pfd{from_, POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[4096];
      const ssize_t n = ::read(from_, chunk, sizeof chunk);
      if (n <= 0) {
        closed_ = true;
        continue;
      }
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  // The HSS closed the link (s_client ended).
  bool closed() {
    if (!closed_) {
      pollfd pfd{from_, POLLIN, 0};
      if (::poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLERR)) != 0 &&
          (pfd.revents & POLLIN) == 0) {
        closed_ = true;
      }
    }
    return closed_;
  }

 private:
  TlsLink(std::string host, std::string realm) : host_(std::move(host)), realm_(std::move(realm)) {}

  bool spawn(const std::vector<std::string>& args, const std::filesystem::path& err_file) {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0) return false;
    if (::pipe2(out, O_CLOEXEC) != 0) {
      ::close(in[0]);
      ::close(in[1]);
      return false;
    }
    ::signal(SIGPIPE, SIG_IGN);  // the daemon may close while we write
    const int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    std::vector<std::string> copy = args;
    std::vector<char*> argv;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(126);
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      if (err >= 0) ::dup2(err, 2);
      ::execvp(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    if (err >= 0) ::close(err);
    to_ = in[1];
    from_ = out[0];
    return pid_ > 0;
  }

  std::string host_, realm_;
  pid_t pid_ = -1;
  int to_ = -1, from_ = -1;
  std::string buffer_;
  bool closed_ = false;
};

}  // namespace kmebind::test::diameter_wire
