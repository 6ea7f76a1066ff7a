// Internal to src/hss: what every procedure borrows from its Hss. All members outlive the call.
#pragma once

#include "hss/hss_config.h"
#include "store/subscriber_store.h"

namespace kmebind::crypto {
class CookieKeyRing;
}

namespace kmebind::hss {

struct HssContext {
  store::SubscriberStore& store;
  const crypto::CookieKeyRing& cookie_keys;
  const HssConfig& config;
};

}  // namespace kmebind::hss
