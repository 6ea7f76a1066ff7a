#include "crypto/milenage.h"

#include <openssl/crypto.h>

#include <array>
#include <string>

namespace kmebind::crypto {
namespace {

using Block = std::array<std::uint8_t, kAesBlockSize>;

// Scratch blocks that hold key-dependent values; wiped on every exit path.
struct Scratch {
  Block temp{};
  std::array<std::uint8_t, 5 * kAesBlockSize> blocks{};
  ~Scratch() {
    OPENSSL_cleanse(temp.data(), temp.size());
    OPENSSL_cleanse(blocks.data(), blocks.size());
  }
};

Status check_size(ByteView v, std::size_t size, const char* what) {
  if (v.size() != size) {
    return fail(Code::kInvalidArgument, std::string("MILENAGE: ") + what + " must be " +
                                            std::to_string(size) + " octets, got " +
                                            std::to_string(v.size()));
  }
  return {};
}

Status check_inputs(ByteView rand, ByteView sqn, ByteView amf) {
  if (auto st = check_size(rand, kRandSize, "RAND"); !st) return st;
  if (auto st = check_size(sqn, kSqnSize, "SQN"); !st) return st;
  return check_size(amf, kAmfSize, "AMF");
}

// TS 35.206 §4.1: rotation amounts r1..r5 (in octets: 64, 0, 32, 64, 96 bits) and the
// constants c1..c5 (only the last octet is non-zero: 0, 1, 2, 4, 8).
constexpr std::array<std::size_t, 5> kRotOctets = {8, 0, 4, 8, 12};
constexpr std::array<std::uint8_t, 5> kConstLast = {0x00, 0x01, 0x02, 0x04, 0x08};

// Writes E_K input block i (0-based, i.e. f1 = 0 … f5* = 4) into `out`:
// TEMP ⊕ rot(IN1 ⊕ OPc, r1) ⊕ c1 for i = 0, rot(TEMP ⊕ OPc, r_i) ⊕ c_i otherwise.
void input_block(std::size_t i, const Block& temp, ByteView opc, ByteView sqn, ByteView amf,
                 std::uint8_t* out) {
  Block x{};
  if (i == 0) {
    // IN1 = SQN ‖ AMF ‖ SQN ‖ AMF.
    for (std::size_t j = 0; j < kAesBlockSize; ++j) {
      const std::size_t k = j % 8;
      const std::uint8_t in1 = k < kSqnSize ? sqn[k] : amf[k - kSqnSize];
      x[j] = static_cast<std::uint8_t>(in1 ^ opc[j]);
    }
  } else {
    for (std::size_t j = 0; j < kAesBlockSize; ++j)
      x[j] = static_cast<std::uint8_t>(temp[j] ^ opc[j]);
  }
  for (std::size_t j = 0; j < kAesBlockSize; ++j) {
    // Cyclic left rotation by r bits: octet j of the result is octet j + r/8 of the input.
    out[j] = x[(j + kRotOctets[i]) % kAesBlockSize];
    if (i == 0) out[j] = static_cast<std::uint8_t>(out[j] ^ temp[j]);
  }
  out[kAesBlockSize - 1] = static_cast<std::uint8_t>(out[kAesBlockSize - 1] ^ kConstLast[i]);
  OPENSSL_cleanse(x.data(), x.size());
}

// The shared core: TEMP = E_K(RAND ⊕ OPc), then OUT_i = E_K(input_block(i)) ⊕ OPc for the
// blocks in [first, last]. Results land in scratch.blocks at offset 16 * i.
Status run(AesEcb& aes, ByteView opc, ByteView rand, ByteView sqn, ByteView amf, std::size_t first,
           std::size_t last, Scratch& s) {
  for (std::size_t j = 0; j < kAesBlockSize; ++j)
    s.temp[j] = static_cast<std::uint8_t>(rand[j] ^ opc[j]);
  if (auto st = aes.encrypt(s.temp, s.temp); !st) return st;
  for (std::size_t i = first; i <= last; ++i) {
    input_block(i, s.temp, opc, sqn, amf, s.blocks.data() + i * kAesBlockSize);
  }
  const std::span<std::uint8_t> span(s.blocks.data() + first * kAesBlockSize,
                                     (last - first + 1) * kAesBlockSize);
  if (auto st = aes.encrypt(span, span); !st) return st;
  for (std::size_t i = first; i <= last; ++i) {
    for (std::size_t j = 0; j < kAesBlockSize; ++j) s.blocks[i * kAesBlockSize + j] ^= opc[j];
  }
  return {};
}

}  // namespace

Result<Milenage> Milenage::create(const SecretBytes& k, const SecretBytes& opc) {
  if (auto st = check_size(k.view(), kMilenageKeySize, "K"); !st) {
    return std::unexpected(st.error());
  }
  if (auto st = check_size(opc.view(), kMilenageKeySize, "OPc"); !st) {
    return std::unexpected(st.error());
  }
  auto aes = AesEcb::create(k.view());
  if (!aes) return std::unexpected(aes.error());
  return Milenage(std::move(*aes), opc.clone());
}

Result<MilenageOutput> Milenage::compute(ByteView rand, ByteView sqn, ByteView amf) {
  if (auto st = check_inputs(rand, sqn, amf); !st) return std::unexpected(st.error());
  Scratch s;
  if (auto st = run(aes_, opc_.view(), rand, sqn, amf, 0, 4, s); !st) {
    return std::unexpected(st.error());
  }
  const auto out = [&](std::size_t i) {
    return ByteView(s.blocks).subspan(i * kAesBlockSize, kAesBlockSize);
  };
  MilenageOutput o;
  o.mac_a.assign(out(0).begin(), out(0).begin() + 8);          // f1: OUT1[0..63]
  o.mac_s.assign(out(0).begin() + 8, out(0).end());            // f1*: OUT1[64..127]
  o.res.assign(out(1).begin() + 8, out(1).end());              // f2: OUT2[64..127]
  o.ak.assign(out(1).begin(), out(1).begin() + kAkSize);       // f5: OUT2[0..47]
  o.ck = SecretBytes(out(2));                                  // f3: OUT3
  o.ik = SecretBytes(out(3));                                  // f4: OUT4
  o.ak_star.assign(out(4).begin(), out(4).begin() + kAkSize);  // f5*: OUT5[0..47]
  return o;
}

Result<Bytes> Milenage::f1star(ByteView rand, ByteView sqn, ByteView amf) {
  if (auto st = check_inputs(rand, sqn, amf); !st) return std::unexpected(st.error());
  Scratch s;
  if (auto st = run(aes_, opc_.view(), rand, sqn, amf, 0, 0, s); !st) {
    return std::unexpected(st.error());
  }
  return Bytes(s.blocks.begin() + 8, s.blocks.begin() + 16);
}

// f5 (block 1, OUT2) or f5* (block 4, OUT5): the first 48 bits. SQN and AMF enter only OUT1,
// so zeros stand in for them.
Result<Bytes> Milenage::anonymity_key(ByteView rand, std::size_t block) {
  if (auto st = check_size(rand, kRandSize, "RAND"); !st) return std::unexpected(st.error());
  static constexpr std::uint8_t kZeroSqnAmf[kSqnSize + kAmfSize] = {};
  const ByteView zeros(kZeroSqnAmf);
  Scratch s;
  if (auto st = run(aes_, opc_.view(), rand, zeros.first(kSqnSize), zeros.subspan(kSqnSize), block,
                    block, s);
      !st) {
    return std::unexpected(st.error());
  }
  const auto* o = s.blocks.data() + block * kAesBlockSize;
  return Bytes(o, o + kAkSize);
}

Result<Bytes> Milenage::f5(ByteView rand) {
  return anonymity_key(rand, 1);
}

Result<Bytes> Milenage::f5star(ByteView rand) {
  return anonymity_key(rand, 4);
}

Result<SecretBytes> milenage_opc(const SecretBytes& k, const SecretBytes& op) {
  if (auto st = check_size(k.view(), kMilenageKeySize, "K"); !st) {
    return std::unexpected(st.error());
  }
  if (auto st = check_size(op.view(), kMilenageKeySize, "OP"); !st) {
    return std::unexpected(st.error());
  }
  auto aes = AesEcb::create(k.view());
  if (!aes) return std::unexpected(aes.error());
  SecretBytes opc(kMilenageKeySize);
  if (auto st = aes->encrypt(op.view(), {opc.data(), opc.size()}); !st) {
    return std::unexpected(st.error());
  }
  for (std::size_t j = 0; j < kMilenageKeySize; ++j) opc.data()[j] ^= op.data()[j];
  return opc;
}

Result<MilenageOutput> milenage(const SecretBytes& k, const SecretBytes& opc, ByteView rand,
                                ByteView sqn, ByteView amf) {
  auto m = Milenage::create(k, opc);
  if (!m) return std::unexpected(m.error());
  return m->compute(rand, sqn, amf);
}

}  // namespace kmebind::crypto
