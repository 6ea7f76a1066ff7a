// `kmebind crypto`: the crypto layer from hex arguments, for testers (DESIGN.md §1).
// Each subcommand prints one JSON object (lowercase hex) on stdout. A bad, missing or wrongly
// sized argument exits 2 with one line on stderr naming it; an operation that fails (e.g. an
// ECIES tag mismatch) exits 1. Options are checked here, not by CLI11, so every usage error is
// one line of the form "kmebind crypto <sub>: --<option>: <problem>".
#include <charconv>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "command.h"
#include "common/bytes.h"
#include "common/secret.h"
#include "crypto/ecies.h"
#include "crypto/eea2.h"
#include "crypto/eia2.h"
#include "crypto/kdf.h"
#include "crypto/milenage.h"

namespace kmebind::app {
namespace {

using Json = nlohmann::ordered_json;

// The string options of one subcommand and typed, validated access to them. Every accessor
// fails with kInvalidArgument whose message starts with the option name.
class Inputs {
 public:
  explicit Inputs(CLI::App* app) : app_(app) {}

  // `type` is what --help shows for the value (HEX, N, …).
  void option(const std::string& flag, const std::string& type, const std::string& help) {
    options_[flag] = app_->add_option(flag, values_[flag], help)->type_name(type);
  }

  bool given(const std::string& flag) const { return options_.at(flag)->count() > 0; }

  Result<std::string> text(const std::string& flag) const {
    if (!given(flag)) return fail(Code::kInvalidArgument, flag + ": missing (required)");
    return values_.at(flag);
  }

  Result<Bytes> hex(const std::string& flag) const {
    auto t = text(flag);
    if (!t) return std::unexpected(t.error());
    return from_hex(*t, flag);
  }

  Result<Bytes> hex(const std::string& flag, std::size_t size) const {
    auto t = text(flag);
    if (!t) return std::unexpected(t.error());
    return from_hex_exact(*t, size, flag);
  }

  Result<SecretBytes> secret(const std::string& flag, std::size_t size) const {
    auto b = hex(flag, size);
    if (!b) return std::unexpected(b.error());
    return SecretBytes(std::move(*b));
  }

  // A decimal integer in [0, max].
  Result<std::uint64_t> number(const std::string& flag, std::uint64_t max) const {
    auto t = text(flag);
    if (!t) return std::unexpected(t.error());
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(t->data(), t->data() + t->size(), v);
    if (t->empty() || ec != std::errc() || end != t->data() + t->size() || v > max) {
      return fail(Code::kInvalidArgument, flag + ": expected a decimal number 0.." +
                                              std::to_string(max) + ", got \"" + *t + "\"");
    }
    return v;
  }

 private:
  CLI::App* app_;
  std::map<std::string, std::string> values_;  // node-based: CLI11 keeps references into it
  std::map<std::string, CLI::Option*> options_;
};

using Handler = std::function<Result<Json>(const Inputs&)>;

#define KMEBIND_TRY(var, expr) \
  auto var = (expr);           \
  if (!var) return std::unexpected(var.error())

// Adds `crypto <name>`: `declare` adds its options; `handler` runs when it is chosen.
// `summary` is the one line shown in `kmebind crypto --help`; `details` ends the subcommand's
// own --help.
void add_subcommand(CLI::App& crypto, int* exit_code, const std::string& name,
                    const std::string& summary, const std::string& details,
                    const std::function<void(Inputs&)>& declare, Handler handler) {
  CLI::App* sub = crypto.add_subcommand(name, summary);
  sub->footer(details);
  sub->allow_extras();  // unknown arguments are reported by us, on one line
  auto inputs = std::make_shared<Inputs>(sub);
  declare(*inputs);
  sub->callback([sub, inputs, exit_code, name, handler = std::move(handler)] {
    const std::string command = "crypto " + name;
    if (!sub->remaining().empty()) {
      *exit_code = usage_error(command, "unexpected argument \"" + sub->remaining().front() + "\"");
      return;
    }
    auto out = handler(*inputs);
    if (!out) {
      if (out.error().code() == Code::kInvalidArgument) {
        *exit_code = usage_error(command, out.error().message());
      } else {
        std::cerr << "kmebind " << command << ": " << out.error().what() << "\n";
        *exit_code = kExitFailure;
      }
      return;
    }
    std::cout << out->dump() << "\n";
    *exit_code = kExitOk;
  });
}

Result<std::uint8_t> bearer(const Inputs& in) {
  KMEBIND_TRY(b, in.hex("--bearer", 1));
  if ((*b)[0] >= 32) {
    return fail(Code::kInvalidArgument,
                "--bearer: 5-bit value expected (00..1f), got " + to_hex(*b));
  }
  return (*b)[0];
}

Result<std::uint32_t> count(const Inputs& in) {
  KMEBIND_TRY(c, in.hex("--count", 4));
  return (std::uint32_t{(*c)[0]} << 24) | (std::uint32_t{(*c)[1]} << 16) |
         (std::uint32_t{(*c)[2]} << 8) | (*c)[3];
}

// --data/--message: at least ceil(length_bits / 8) octets.
Result<Bytes> bit_string(const Inputs& in, const std::string& flag, std::size_t length_bits) {
  KMEBIND_TRY(b, in.hex(flag));
  const std::size_t need = (length_bits + 7) / 8;
  if (b->size() < need) {
    return fail(Code::kInvalidArgument, flag + ": --length-bits " + std::to_string(length_bits) +
                                            " needs at least " + std::to_string(need) +
                                            " octets, got " + std::to_string(b->size()));
  }
  return b;
}

// NAS algorithm inputs shared by eia2 and eea2 (TS 33.401 B.1.3, B.2.3).
struct NasAlgInputs {
  SecretBytes key;
  std::uint32_t count;
  std::uint8_t bearer;
  std::uint8_t direction;
  std::size_t length_bits;
  Bytes input;
};

constexpr std::uint64_t kMaxLengthBits = std::uint64_t{8} * 65536;  // larger than any NAS message

Result<NasAlgInputs> nas_alg_inputs(const Inputs& in, const std::string& input_flag) {
  KMEBIND_TRY(key, in.secret("--key", 16));
  KMEBIND_TRY(c, count(in));
  KMEBIND_TRY(b, bearer(in));
  KMEBIND_TRY(d, in.number("--direction", 1));
  KMEBIND_TRY(bits, in.number("--length-bits", kMaxLengthBits));
  KMEBIND_TRY(input, bit_string(in, input_flag, *bits));
  return NasAlgInputs{
      std::move(*key),  *c, *b, static_cast<std::uint8_t>(*d), static_cast<std::size_t>(*bits),
      std::move(*input)};
}

void declare_nas_alg(Inputs& in) {
  in.option("--key", "HEX", "128-bit key K_NASint / K_NASenc: 16 octets hex (required)");
  in.option("--count", "HEX", "COUNT, 32 bits: 4 octets hex, big-endian (required)");
  in.option("--bearer", "HEX", "BEARER, 5 bits: 1 octet hex, 00..1f (required)");
  in.option("--direction", "0|1", "DIRECTION: 0 uplink, 1 downlink (required)");
  in.option("--length-bits", "N", "LENGTH in bits, decimal; may be a non-multiple of 8 (required)");
}

Result<Json> run_milenage(const Inputs& in) {
  KMEBIND_TRY(k, in.secret("--k", 16));
  if (in.given("--op") == in.given("--opc")) {
    return fail(Code::kInvalidArgument, "--op/--opc: give exactly one of them");
  }
  SecretBytes opc;
  if (in.given("--op")) {
    KMEBIND_TRY(op, in.secret("--op", 16));
    KMEBIND_TRY(derived, crypto::milenage_opc(*k, *op));
    opc = std::move(*derived);
  } else {
    KMEBIND_TRY(given, in.secret("--opc", 16));
    opc = std::move(*given);
  }
  KMEBIND_TRY(rand, in.hex("--rand", 16));
  KMEBIND_TRY(sqn, in.hex("--sqn", 6));
  KMEBIND_TRY(amf, in.hex("--amf", 2));
  KMEBIND_TRY(o, crypto::milenage(*k, opc, *rand, *sqn, *amf));
  return Json{{"opc", opc.reveal_hex()},   {"mac_a", to_hex(o->mac_a)},
              {"mac_s", to_hex(o->mac_s)}, {"res", to_hex(o->res)},
              {"ck", o->ck.reveal_hex()},  {"ik", o->ik.reveal_hex()},
              {"ak", to_hex(o->ak)},       {"ak_star", to_hex(o->ak_star)}};
}

Result<Json> run_kasme(const Inputs& in) {
  KMEBIND_TRY(ck, in.secret("--ck", 16));
  KMEBIND_TRY(ik, in.secret("--ik", 16));
  KMEBIND_TRY(plmn, in.text("--plmn"));
  auto sn_id = crypto::plmn_to_sn_id(*plmn);
  if (!sn_id) return std::unexpected(sn_id.error().with_context("--plmn"));
  KMEBIND_TRY(sqn_xor_ak, in.hex("--sqn-xor-ak", 6));
  KMEBIND_TRY(kasme, crypto::derive_kasme(*ck, *ik, *sn_id, *sqn_xor_ak));
  return Json{{"kasme", kasme->reveal_hex()}};
}

Result<Json> run_nas_keys(const Inputs& in) {
  KMEBIND_TRY(kasme, in.secret("--kasme", 32));
  KMEBIND_TRY(enc, in.number("--enc-alg", 15));
  KMEBIND_TRY(integ, in.number("--int-alg", 15));
  KMEBIND_TRY(keys, crypto::derive_nas_keys(*kasme, static_cast<std::uint8_t>(*enc),
                                            static_cast<std::uint8_t>(*integ)));
  return Json{{"knas_enc", keys->k_nas_enc.reveal_hex()},
              {"knas_int", keys->k_nas_int.reveal_hex()}};
}

Result<Json> run_eia2(const Inputs& in) {
  KMEBIND_TRY(a, nas_alg_inputs(in, "--message"));
  KMEBIND_TRY(
      mac, crypto::eia2_mac(a->key, a->count, a->bearer, a->direction, a->input, a->length_bits));
  return Json{{"mac", to_hex(*mac)}};
}

Result<Json> run_eea2(const Inputs& in) {
  KMEBIND_TRY(a, nas_alg_inputs(in, "--data"));
  KMEBIND_TRY(out,
              crypto::eea2(a->key, a->count, a->bearer, a->direction, a->input, a->length_bits));
  return Json{{"output", to_hex(*out)}};
}

Result<crypto::EciesProfile> profile(const Inputs& in) {
  KMEBIND_TRY(p, in.text("--profile"));
  auto parsed = crypto::ecies_profile_from_string(*p);
  if (!parsed) return std::unexpected(parsed.error().with_context("--profile"));
  return parsed;
}

Result<Json> run_ecies_encrypt(const Inputs& in) {
  KMEBIND_TRY(p, profile(in));
  KMEBIND_TRY(pub, in.hex("--public-key"));
  const bool a = *p == crypto::EciesProfile::kA;
  if (a ? pub->size() != 32 : pub->size() != 33 && pub->size() != 65) {
    return fail(Code::kInvalidArgument,
                std::string("--public-key: expected ") +
                    (a ? "32 octets (64 hex digits) for profile A"
                       : "33 (compressed) or 65 (uncompressed) octets for profile B") +
                    ", got " + std::to_string(pub->size()));
  }
  KMEBIND_TRY(plaintext, in.hex("--plaintext"));
  std::optional<SecretBytes> eph;
  if (in.given("--eph-private-key")) {
    KMEBIND_TRY(e, in.secret("--eph-private-key", 32));
    eph = std::move(*e);
  }
  auto out = crypto::ecies_encrypt(*p, *pub, *plaintext, eph ? &*eph : nullptr);
  if (!out) {
    // The library names the key ("ECIES public key: …"); say which option held it.
    const bool eph_bad = out.error().message().starts_with("ECIES ephemeral");
    return std::unexpected(
        out.error().with_context(eph_bad ? "--eph-private-key" : "--public-key"));
  }
  return Json{{"scheme_output", to_hex(*out)}};
}

Result<Json> run_ecies_decrypt(const Inputs& in) {
  KMEBIND_TRY(p, profile(in));
  KMEBIND_TRY(priv, in.secret("--private-key", 32));
  KMEBIND_TRY(scheme_output, in.hex("--scheme-output"));
  auto plain = crypto::ecies_decrypt(*p, *priv, *scheme_output);
  if (!plain) {
    const Code code = plain.error().code();
    return std::unexpected(
        code == Code::kInvalidArgument ? plain.error().with_context("--private-key")
        : code == Code::kMalformed
            ? Error(Code::kInvalidArgument, "--scheme-output: " + plain.error().message())
            : plain.error());
  }
  return Json{{"plaintext", plain->reveal_hex()}};
}

const char* const kSubcommandNames =
    "milenage, kasme, nas-keys, eia2, eea2, ecies-encrypt, ecies-decrypt";

void setup_crypto(CLI::App& root, int* exit_code) {
  CLI::App* crypto = root.add_subcommand(
      "crypto",
      "Run kmebind's crypto primitives on hex arguments and print JSON (lowercase hex), to check\n"
      "them against published test data (TS 35.208, TS 33.401 Annex C, TS 33.501 Annex C.4).\n"
      "Exit codes: 0 ok, 1 the operation failed (an ECIES MAC tag that does not verify), 2 bad "
      "arguments.");
  crypto->callback([crypto, exit_code] {
    if (crypto->get_subcommands().empty()) {
      *exit_code =
          usage_error("crypto", std::string("a subcommand is required: ") + kSubcommandNames);
    }
  });

  add_subcommand(
      *crypto, exit_code, "milenage",
      "MILENAGE f1..f5* and OPc (TS 35.206 §4.1; test data TS 35.208 §4.3)",
      "Give OP (OPc is derived as OP xor E_K(OP)) or OPc. Prints OPc, MAC-A (f1), MAC-S (f1*),\n"
      "RES (f2), CK (f3), IK (f4), AK (f5), AK* (f5*).",
      [](Inputs& in) {
        in.option("--k", "HEX", "subscriber key K: 16 octets hex (required)");
        in.option("--op", "HEX", "operator variant OP: 16 octets hex (this or --opc)");
        in.option("--opc", "HEX", "OPc: 16 octets hex (this or --op)");
        in.option("--rand", "HEX", "RAND: 16 octets hex (required)");
        in.option("--sqn", "HEX", "SQN: 6 octets hex (required)");
        in.option("--amf", "HEX", "AMF: 2 octets hex (required)");
      },
      run_milenage);

  add_subcommand(
      *crypto, exit_code, "kasme",
      "K_ASME from CK, IK, serving PLMN and SQN xor AK (TS 33.401 Annex A.2)",
      "K_ASME = KDF(CK || IK, FC 0x10, SN id, SQN xor AK) (TS 33.401 Annex A.2, KDF of TS 33.220\n"
      "Annex B.2). SN id is the serving PLMN encoded as in TS 24.301 §9.9.3.32.",
      [](Inputs& in) {
        in.option("--ck", "HEX", "cipher key CK: 16 octets hex (required)");
        in.option("--ik", "HEX", "integrity key IK: 16 octets hex (required)");
        in.option("--plmn", "MCC-MNC",
                  "serving network MCC-MNC, e.g. 001-01 or 310-410 (required)");
        in.option("--sqn-xor-ak", "HEX", "SQN xor AK as in AUTN: 6 octets hex (required)");
      },
      run_kasme);

  add_subcommand(
      *crypto, exit_code, "nas-keys", "K_NASenc and K_NASint from K_ASME (TS 33.401 Annex A.7)",
      "K_NASenc and K_NASint from K_ASME (TS 33.401 Annex A.7): the last 16 octets of\n"
      "KDF(K_ASME, FC 0x15, distinguisher 0x01/0x02, algorithm identity).",
      [](Inputs& in) {
        in.option("--kasme", "HEX", "K_ASME: 32 octets hex (required)");
        in.option("--enc-alg", "N",
                  "NAS ciphering algorithm identity, decimal: 0 EEA0, 1 EEA1, 2 EEA2, "
                  "3 EEA3 (required)");
        in.option("--int-alg", "N",
                  "NAS integrity algorithm identity, decimal: 0 EIA0, 1 EIA1, 2 EIA2, "
                  "3 EIA3 (required)");
      },
      run_nas_keys);

  add_subcommand(
      *crypto, exit_code, "eia2", "128-EIA2 integrity MAC, AES-CMAC (TS 33.401 Annex B.2.3)",
      "128-EIA2 NAS-MAC / MAC-I: AES-CMAC over COUNT || BEARER || DIRECTION || 0^26 || MESSAGE\n"
      "(TS 33.401 Annex B.2.3; test data Annex C.2). Only the first --length-bits bits of\n"
      "--message are MACed.",
      [](Inputs& in) {
        declare_nas_alg(in);
        in.option("--message", "HEX",
                  "MESSAGE: at least ceil(length-bits/8) octets hex (required)");
      },
      run_eia2);

  add_subcommand(
      *crypto, exit_code, "eea2", "128-EEA2 ciphering, AES-128-CTR (TS 33.401 Annex B.1.3)",
      "128-EEA2 ciphering: AES-128-CTR with T1 = COUNT || BEARER || DIRECTION || 0^90\n"
      "(TS 33.401 Annex B.1.3; test data Annex C.1). Output has ceil(length-bits/8) octets with\n"
      "the unused last bits zero; the same operation decrypts.",
      [](Inputs& in) {
        declare_nas_alg(in);
        in.option("--data", "HEX",
                  "plaintext or ciphertext: at least ceil(length-bits/8) octets hex "
                  "(required)");
      },
      run_eea2);

  add_subcommand(
      *crypto, exit_code, "ecies-encrypt", "ECIES encryption, profile A or B (TS 33.501 Annex C.3)",
      "ECIES encryption (TS 33.501 Annex C.3; test data Annex C.4). Profile A: X25519; profile B:\n"
      "P-256 with a compressed ephemeral key. Prints the scheme output\n"
      "ephemeral public key || ciphertext || 8-octet MAC tag.",
      [](Inputs& in) {
        in.option("--profile", "A|B", "A (X25519) or B (P-256) (required)");
        in.option("--public-key", "HEX",
                  "recipient public key: A 32 octets hex; B 33 (compressed) or 65 "
                  "(uncompressed) octets hex (required)");
        in.option("--plaintext", "HEX", "plaintext, hex (required; may be empty)");
        in.option("--eph-private-key", "HEX",
                  "ephemeral private key, 32 octets hex, to reproduce test data "
                  "(optional; default: fresh random)");
      },
      run_ecies_encrypt);

  add_subcommand(
      *crypto, exit_code, "ecies-decrypt", "ECIES decryption, profile A or B (TS 33.501 Annex C.3)",
      "ECIES decryption (TS 33.501 Annex C.3; test data Annex C.4).\n"
      "Exit 1 if the MAC tag does not verify.",
      [](Inputs& in) {
        in.option("--profile", "A|B", "A (X25519) or B (P-256) (required)");
        in.option("--private-key", "HEX", "recipient private key: 32 octets hex (required)");
        in.option("--scheme-output", "HEX",
                  "ephemeral public key || ciphertext || MAC tag, hex (required)");
      },
      run_ecies_decrypt);
}

}  // namespace
}  // namespace kmebind::app

KMEBIND_COMMAND("crypto", 60, kmebind::app::setup_crypto);
#undef KMEBIND_TRY
