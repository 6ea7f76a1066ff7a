#include "device_generate.h"

#include <vector>

#include "sim/provisioning.h"

namespace kmebind::app {
namespace {

constexpr std::uint64_t kMaxImsi = 999'999'999'999'999;  // 15 digits, TS 23.003 §2.2
constexpr std::uint64_t kMaxDeviceIndex = 999'999;       // ue::simulated_imei14
constexpr std::size_t kMaxUes = 1'000'000;

std::uint8_t procedure_of(ProcedureMix mix, std::size_t i) {
  switch (mix) {
    case ProcedureMix::kProcedure1:
      return 1;
    case ProcedureMix::kProcedure2:
      return 2;
    case ProcedureMix::kMixed:
      break;
  }
  return i % 2 == 0 ? 1 : 2;
}

Status check_options(const GenerateOptions& o) {
  if (o.ues == 0 || o.ues > kMaxUes) {
    return fail(Code::kInvalidArgument, "the number of UEs must be 1.." + std::to_string(kMaxUes));
  }
  if (o.violations > o.ues) {
    return fail(Code::kInvalidArgument, "at most one violation device per UE");
  }
  if (o.imsi_base > kMaxImsi - o.ues) {
    return fail(Code::kInvalidArgument, "the IMSIs would not fit in 15 digits");
  }
  if (o.imei_base > kMaxDeviceIndex - o.ues - o.violations) {
    return fail(Code::kInvalidArgument, "the device indexes (IMEI SNRs) would exceed 999999");
  }
  return {};
}

}  // namespace

// Nothing of the new devices may be in the store yet: an IMEI's keys would be overwritten.
Status check_devices_absent(store::SubscriberStore& store, const DeviceFile& file) {
  for (const DeviceEntry& d : file.devices) {
    if (d.role == DeviceRole::kNormal) {
      auto sub = store.get_subscriber(d.profile.imsi);
      if (sub)
        return fail(Code::kAlreadyExists, "IMSI " + d.profile.imsi +
                                              " is in the store already (use another --imsi-base)");
      if (sub.error().code() != Code::kNotFound) return std::unexpected(sub.error());
    }
    if (d.role != DeviceRole::kClonedImei) {
      auto dev = store.get_device(d.profile.imei14);
      if (dev)
        return fail(Code::kAlreadyExists, "IMEI " + d.profile.imei14 +
                                              " is in the store already (use another --imei-base)");
      if (dev.error().code() != Code::kNotFound) return std::unexpected(dev.error());
    }
  }
  return {};
}

Result<ProcedureMix> parse_procedure_mix(std::string_view text) {
  if (text == "1") return ProcedureMix::kProcedure1;
  if (text == "2") return ProcedureMix::kProcedure2;
  if (text == "mixed") return ProcedureMix::kMixed;
  return fail(Code::kInvalidArgument, "procedure must be 1, 2 or mixed");
}

std::string generated_imsi(std::uint64_t imsi_base, std::uint64_t offset) {
  std::string digits = std::to_string(imsi_base + offset);
  return std::string(digits.size() < 15 ? 15 - digits.size() : 0, '0') + digits;
}

Result<DeviceFile> generate_devices(const GenerateOptions& o) {
  if (auto st = check_options(o); !st) return std::unexpected(st.error());
  DeviceFile file;
  file.devices.reserve(o.ues + o.violations);
  for (std::size_t i = 0; i < o.ues; ++i) {
    const bool profile_a = i % 2 == 0;
    auto profile =
        ue::make_ue_profile(generated_imsi(o.imsi_base, i), o.imei_base + i,
                            profile_a ? crypto::EciesProfile::kA : crypto::EciesProfile::kB,
                            profile_a ? crypto::SignatureAlgorithm::kEd25519
                                      : crypto::SignatureAlgorithm::kEcdsaP256Sha256);
    if (!profile) return std::unexpected(profile.error());
    DeviceEntry d;
    d.profile = std::move(*profile);
    d.procedure = procedure_of(o.procedure, i);
    file.devices.push_back(std::move(d));
  }
  for (std::size_t k = 0; k < o.violations; ++k) {
    const std::size_t victim_index = k % o.ues;
    const ue::UeProfile& victim = file.devices[victim_index].profile;
    const bool uicc_moved = k % 2 == 0;
    auto other = uicc_moved ? ue::make_ue_profile(victim.imsi, o.imei_base + o.ues + k,
                                                  victim.ecies_profile, victim.signature_algorithm)
                            : ue::make_ue_profile(victim.imsi, victim.imei14, victim.ecies_profile,
                                                  victim.signature_algorithm);
    if (!other) return std::unexpected(other.error());
    other->k = victim.k.clone();
    other->opc = victim.opc.clone();
    DeviceEntry d;
    d.profile = std::move(*other);
    d.role = uicc_moved ? DeviceRole::kUiccMoved : DeviceRole::kClonedImei;
    d.victim = victim_index;
    file.devices.push_back(std::move(d));
  }
  return file;
}

Result<GenerateStats> import_devices(store::SubscriberStore& store, const DeviceFile& file,
                                     std::string_view actor) {
  if (auto st = check_devices_absent(store, file); !st) return std::unexpected(st.error());
  store::BulkImportOptions import_options;
  import_options.actor = std::string(actor);
  import_options.source = "kmebind admin generate";
  auto bulk = store.begin_bulk_import(import_options);
  if (!bulk) return std::unexpected(bulk.error());
  const auto partial = [](const Error& e) {
    return std::unexpected(
        e.with_context("generating the store rows (batches committed before stay)"));
  };
  for (const DeviceEntry& d : file.devices) {
    if (d.role == DeviceRole::kNormal) {
      store::SubscriberRecord record;
      record.imsi = d.profile.imsi;
      record.k = d.profile.k.clone();
      record.opc = d.profile.opc.clone();
      record.binding_mode = store::BindingMode::kKmeRequired;
      record.procedure1_allowed = d.procedure == 1;
      record.procedure2_allowed = d.procedure == 2;
      const std::vector<std::string> imeis{d.profile.imei14};
      if (auto st = (*bulk)->add_subscriber(record, imeis); !st) return partial(st.error());
    }
    if (d.role != DeviceRole::kClonedImei) {
      auto device = sim::device_record(d.profile);
      if (!device) return partial(device.error());
      if (auto st = (*bulk)->put_device(*device); !st) return partial(st.error());
    }
  }
  auto done = (*bulk)->finish();
  if (!done) return partial(done.error());
  GenerateStats stats;
  stats.subscribers = done->subscribers;
  stats.devices = done->devices;
  stats.transactions = done->transactions;
  return stats;
}

}  // namespace kmebind::app
