#include "net/nas_frame.h"

#include <cstring>
#include <string>

namespace kmebind::net {
namespace {

std::uint32_t load_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

std::uint64_t load_u64(const std::uint8_t* p) {
  return (std::uint64_t{load_u32(p)} << 32) | load_u32(p + 4);
}

}  // namespace

void append_frame(Bytes& out, UeId ue, ByteView pdu) {
  const auto length = static_cast<std::uint32_t>(kFrameUeIdSize + pdu.size());
  const std::size_t at = out.size();
  out.resize(at + kFrameHeaderSize + pdu.size());
  std::uint8_t* p = out.data() + at;
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(length >> (24 - 8 * i));
  for (int i = 0; i < 8; ++i) p[4 + i] = static_cast<std::uint8_t>(ue >> (56 - 8 * i));
  if (!pdu.empty()) std::memcpy(p + kFrameHeaderSize, pdu.data(), pdu.size());
}

Bytes encode_frame(UeId ue, ByteView pdu) {
  Bytes out;
  out.reserve(kFrameHeaderSize + pdu.size());
  append_frame(out, ue, pdu);
  return out;
}

FrameReader::FrameReader(std::uint32_t max_frame_length) : max_frame_length_(max_frame_length) {}

void FrameReader::compact() {
  if (begin_ == 0) return;
  if (begin_ != end_) std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
  end_ -= begin_;
  begin_ = 0;
}

std::span<std::uint8_t> FrameReader::prepare(std::size_t n) {
  compact();
  if (buffer_.size() < end_ + n) buffer_.resize(end_ + n);
  return {buffer_.data() + end_, n};
}

void FrameReader::commit(std::size_t k) {
  end_ += k;
}

void FrameReader::append(ByteView data) {
  if (data.empty()) return;
  auto room = prepare(data.size());
  std::memcpy(room.data(), data.data(), data.size());
  commit(data.size());
}

Result<std::optional<FrameView>> FrameReader::next() {
  if (failed_) return std::unexpected(*failed_);
  if (buffered() < kFrameLengthSize) return std::nullopt;
  const std::uint8_t* p = buffer_.data() + begin_;
  const std::uint32_t length = load_u32(p);
  if (length < kFrameUeIdSize || length > max_frame_length_) {
    failed_ = Error(Code::kMalformed, "NAS frame at stream offset " + std::to_string(consumed_) +
                                          ": length " + std::to_string(length) + " outside 8.." +
                                          std::to_string(max_frame_length_));
    return std::unexpected(*failed_);
  }
  if (buffered() < kFrameLengthSize + length) return std::nullopt;
  FrameView frame{load_u64(p + kFrameLengthSize),
                  ByteView(p + kFrameHeaderSize, length - kFrameUeIdSize)};
  begin_ += kFrameLengthSize + length;
  consumed_ += kFrameLengthSize + length;
  return frame;
}

Result<std::vector<NasFrame>> FrameReader::feed(ByteView data) {
  append(data);
  std::vector<NasFrame> frames;
  for (;;) {
    auto frame = next();
    if (!frame) return std::unexpected(frame.error());
    if (!*frame) return frames;
    frames.push_back({(*frame)->ue, Bytes((*frame)->pdu.begin(), (*frame)->pdu.end())});
  }
}

}  // namespace kmebind::net
