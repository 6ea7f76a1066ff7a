// NAS link framing (docs/operations.md §1): the encoding is the documented octet layout, and the
// reassembler returns the same frames however the stream is cut, and refuses bad lengths.
#include "net/nas_frame.h"

#include <gtest/gtest.h>

#include <random>

namespace kmebind::net {
namespace {

Bytes hex(std::string_view h) {
  return from_hex(h).value();
}

// Three frames: an Attach request-like PDU, an empty PDU, a large PDU.
std::vector<NasFrame> sample_frames() {
  Bytes big(3000);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i * 7);
  return {{1, hex("074171080910101032547698")}, {0xfedcba9876543210, {}}, {42, big}};
}

Bytes stream_of(const std::vector<NasFrame>& frames) {
  Bytes out;
  for (const auto& f : frames) append_frame(out, f.ue, f.pdu);
  return out;
}

std::vector<NasFrame> feed_chunks(const Bytes& stream, const std::vector<std::size_t>& cuts) {
  FrameReader reader;
  std::vector<NasFrame> out;
  std::size_t from = 0;
  auto push = [&](std::size_t to) {
    auto frames = reader.feed(ByteView(stream).subspan(from, to - from));
    EXPECT_TRUE(frames) << frames.error().what();
    if (frames) out.insert(out.end(), frames->begin(), frames->end());
    from = to;
  };
  for (std::size_t cut : cuts) push(cut);
  push(stream.size());
  EXPECT_EQ(reader.buffered(), 0u);
  return out;
}

TEST(NasFrame, EncodesLengthUeIdAndPduBigEndian) {
  EXPECT_EQ(to_hex(encode_frame(0x0102030405060708, hex("0741"))), "0000000a01020304050607080741");
  EXPECT_EQ(to_hex(encode_frame(5, {})), "000000080000000000000005");
}

TEST(NasFrame, AppendFrameCoalescesFramesBackToBack) {
  Bytes out;
  append_frame(out, 1, hex("aa"));
  append_frame(out, 2, hex("bbcc"));
  EXPECT_EQ(to_hex(out),
            "0000000900000000000000"
            "01aa"
            "0000000a00000000000000"
            "02bbcc");
}

TEST(FrameReader, WholeStreamInOneChunkGivesEveryFrame) {
  const auto frames = sample_frames();
  EXPECT_EQ(feed_chunks(stream_of(frames), {}), frames);
}

TEST(FrameReader, EverySplitIntoTwoOrThreeChunksGivesTheSameFrames) {
  // A short stream so that every pair of cut points can be tried.
  const std::vector<NasFrame> frames = {{1, hex("0741")}, {2, {}}, {3, hex("17aabbccdd")}};
  const Bytes stream = stream_of(frames);
  for (std::size_t a = 0; a <= stream.size(); ++a) {
    ASSERT_EQ(feed_chunks(stream, {a}), frames) << "cut at " << a;
    for (std::size_t b = a; b <= stream.size(); ++b) {
      ASSERT_EQ(feed_chunks(stream, {a, b}), frames) << "cuts at " << a << ", " << b;
    }
  }
}

TEST(FrameReader, OctetByOctetAndRandomChunksGiveTheSameFrames) {
  const auto frames = sample_frames();
  const Bytes stream = stream_of(frames);
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < stream.size(); ++i) every.push_back(i);
  EXPECT_EQ(feed_chunks(stream, every), frames);

  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::size_t> cuts;
    std::size_t at = 0;
    while (true) {
      at += std::uniform_int_distribution<std::size_t>(0, 700)(rng);
      if (at >= stream.size()) break;
      cuts.push_back(at);
    }
    ASSERT_EQ(feed_chunks(stream, cuts), frames) << "round " << round;
  }
}

TEST(FrameReader, PrepareCommitPathGivesTheSameFramesAsAppend) {
  const auto frames = sample_frames();
  const Bytes stream = stream_of(frames);
  FrameReader reader;
  std::vector<NasFrame> out;
  std::size_t at = 0;
  while (at < stream.size()) {
    auto room = reader.prepare(1000);  // a socket read of at most 1000 octets
    const std::size_t n = std::min<std::size_t>(333, stream.size() - at);
    std::copy_n(stream.begin() + static_cast<std::ptrdiff_t>(at), n, room.begin());
    reader.commit(n);
    at += n;
    for (;;) {
      auto f = reader.next();
      ASSERT_TRUE(f);
      if (!*f) break;
      out.push_back({(*f)->ue, Bytes((*f)->pdu.begin(), (*f)->pdu.end())});
    }
  }
  EXPECT_EQ(out, frames);
}

TEST(FrameReader, ViewsStayValidAcrossLaterNextCalls) {
  FrameReader reader;
  reader.append(stream_of({{1, hex("aa")}, {2, hex("bb")}}));
  auto first = reader.next();
  auto second = reader.next();
  ASSERT_TRUE(first && *first && second && *second);
  EXPECT_EQ(to_hex((*first)->pdu), "aa");
  EXPECT_EQ(to_hex((*second)->pdu), "bb");
}

TEST(FrameReader, EveryTruncatedStreamYieldsOnlyTheCompleteFramesAndWaits) {
  const std::vector<NasFrame> frames = {{1, hex("0741")}, {2, hex("17aabbccdd")}};
  const Bytes stream = stream_of(frames);
  const std::size_t first_end = kFrameHeaderSize + 2;
  for (std::size_t n = 0; n < stream.size(); ++n) {
    FrameReader reader;
    auto got = reader.feed(ByteView(stream).first(n));
    ASSERT_TRUE(got) << "prefix " << n;
    EXPECT_EQ(got->size(), n >= first_end ? 1u : 0u) << "prefix " << n;
    EXPECT_EQ(reader.buffered(), n >= first_end ? n - first_end : n);
    auto more = reader.next();
    ASSERT_TRUE(more);
    EXPECT_FALSE(*more) << "prefix " << n << " must wait for more octets";
  }
}

TEST(FrameReader, RefusesLengthBelowTheUeIdSize) {
  for (std::uint32_t length = 0; length < kFrameUeIdSize; ++length) {
    FrameReader reader;
    Bytes stream = {0, 0, 0, static_cast<std::uint8_t>(length)};
    stream.resize(stream.size() + 16, 0);
    auto got = reader.feed(stream);
    ASSERT_FALSE(got) << "length " << length;
    EXPECT_EQ(got.error().code(), Code::kMalformed);
    EXPECT_NE(got.error().message().find("length " + std::to_string(length)), std::string::npos)
        << got.error().message();
  }
}

TEST(FrameReader, RefusesLengthAboveTheMaximumAndAcceptsTheMaximum) {
  const std::uint32_t max = 100;
  {
    FrameReader reader(max);
    auto got = reader.feed(encode_frame(9, Bytes(max - kFrameUeIdSize, 0x5a)));
    ASSERT_TRUE(got);
    ASSERT_EQ(got->size(), 1u);
    EXPECT_EQ((*got)[0].pdu.size(), max_pdu_size(max));
  }
  {
    FrameReader reader(max);
    // Only the header of the oversized frame is needed to refuse it.
    Bytes header = encode_frame(9, Bytes(max - kFrameUeIdSize + 1, 0));
    header.resize(kFrameLengthSize);
    auto got = reader.feed(header);
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().code(), Code::kMalformed);
  }
  {
    FrameReader reader;  // default ceiling
    auto got = reader.feed(hex("ffffffff"));
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().code(), Code::kMalformed);
  }
}

TEST(FrameReader, StaysFailedAfterABadLengthAndNamesTheOffset) {
  FrameReader reader;
  Bytes stream = stream_of({{1, hex("aa")}});
  const std::size_t offset = stream.size();
  Bytes bad = hex("00000003");
  stream.insert(stream.end(), bad.begin(), bad.end());
  reader.append(stream);
  auto good = reader.next();
  ASSERT_TRUE(good && *good);
  auto err = reader.next();
  ASSERT_FALSE(err);
  EXPECT_NE(err.error().message().find("offset " + std::to_string(offset)), std::string::npos)
      << err.error().message();
  reader.append(encode_frame(2, hex("bb")));  // a valid frame after the bad one is not trusted
  auto still = reader.next();
  ASSERT_FALSE(still);
  EXPECT_EQ(still.error().code(), Code::kMalformed);
}

}  // namespace
}  // namespace kmebind::net
