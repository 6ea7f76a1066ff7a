// Framing of the UE↔CNN link (DESIGN.md §5, docs/operations.md §1), which stands in for S1AP: one
// TCP connection carries the NAS PDUs of many UEs. Each frame is
//
//   length (4 octets, big-endian: the number of octets that follow) ‖ UE id (8 octets, big-endian)
//   ‖ NAS PDU (length - 8 octets)
//
// Sans-IO: encode_frame/append_frame produce bytes, FrameReader reassembles frames from a byte
// stream cut anywhere. The frame layer takes no protocol decisions: an empty NAS PDU is a valid
// frame, and what a UE id means is the cores' business.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/bytes.h"
#include "common/error.h"

namespace kmebind::net {

using UeId = std::uint64_t;

inline constexpr std::size_t kFrameLengthSize = 4;
inline constexpr std::size_t kFrameUeIdSize = 8;
inline constexpr std::size_t kFrameHeaderSize = kFrameLengthSize + kFrameUeIdSize;
// Default ceiling of the length field (UE id + PDU): 64 KiB, far above any NAS message.
inline constexpr std::uint32_t kDefaultMaxFrameLength = 64 * 1024;

// Largest NAS PDU a frame with the given length ceiling can carry.
constexpr std::size_t max_pdu_size(std::uint32_t max_frame_length) {
  return max_frame_length - kFrameUeIdSize;
}

// Returns the frame for `pdu` of UE `ue`.
// REQUIRES: pdu.size() <= UINT32_MAX - 8 (callers check against their own ceiling first).
Bytes encode_frame(UeId ue, ByteView pdu);
// Appends the frame to `out` (write coalescing: many frames in one buffer). Same REQUIRES.
void append_frame(Bytes& out, UeId ue, ByteView pdu);

// A frame as decoded: `pdu` borrows the reader's buffer (see FrameReader::next).
struct FrameView {
  UeId ue = 0;
  ByteView pdu;
};

// A frame that owns its PDU.
struct NasFrame {
  UeId ue = 0;
  Bytes pdu;
  friend bool operator==(const NasFrame&, const NasFrame&) = default;
};

// Reassembles frames from a byte stream delivered in chunks of any size. Bytes go in through
// append() (a copy) or prepare()/commit() (a socket reads straight into the buffer); frames come
// out of next() in stream order.
//
// A length field below 8 or above `max_frame_length` fails with kMalformed, and the reader then
// stays failed (every later next() returns the same error): the stream cannot be resynchronised,
// so the caller closes the connection.
//
// Thread safety: none; one reader per connection.
class FrameReader {
 public:
  explicit FrameReader(std::uint32_t max_frame_length = kDefaultMaxFrameLength);

  // Copies `data` to the end of the buffer. Invalidates views returned by next().
  void append(ByteView data);
  // Returns a writable span of exactly `n` octets at the end of the buffered data; commit(k),
  // k <= n, then makes the first k of them part of the stream. Invalidates views returned by
  // next().
  std::span<std::uint8_t> prepare(std::size_t n);
  // REQUIRES: a prepare(n) with k <= n immediately before.
  void commit(std::size_t k);

  // The next complete frame, or nullopt when more octets are needed. The view stays valid until
  // the next append() or prepare() (later next() calls do not move the buffer).
  [[nodiscard]] Result<std::optional<FrameView>> next();

  // Convenience for tests and simple callers: append(data), then every complete frame, copied.
  // On a bad length, fails (the frames before it in `data` are lost to the caller).
  [[nodiscard]] Result<std::vector<NasFrame>> feed(ByteView data);

  // Octets received but not yet returned as frames.
  std::size_t buffered() const { return end_ - begin_; }
  std::uint32_t max_frame_length() const { return max_frame_length_; }

 private:
  void compact();

  std::uint32_t max_frame_length_;
  Bytes buffer_;
  std::size_t begin_ = 0;       // first octet not yet returned
  std::size_t end_ = 0;         // one past the last octet received
  std::uint64_t consumed_ = 0;  // stream octets returned as frames (for error messages)
  std::optional<Error> failed_;
};

}  // namespace kmebind::net
