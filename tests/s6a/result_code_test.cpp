#include "s6a/result_code.h"

#include <gtest/gtest.h>

namespace kmebind::s6a {
namespace {

TEST(ResultCode, OnlyBaseProtocol2xxIsSuccess) {
  EXPECT_TRUE(kSuccess.ok());
  EXPECT_FALSE(kErrorUserUnknown.ok());
  EXPECT_FALSE((ResultCode{kVendor3gpp, 2001}.ok()));  // an experimental 2xxx is not Result-Code
  EXPECT_FALSE(kErrorBindingViolation.ok());
}

TEST(ResultCode, DescribesStandardAndExtensionCodes) {
  EXPECT_EQ(describe(kErrorUserUnknown), "DIAMETER_ERROR_USER_UNKNOWN");
  EXPECT_EQ(describe(kAuthenticationDataUnavailable), "DIAMETER_AUTHENTICATION_DATA_UNAVAILABLE");
  EXPECT_EQ(describe(kErrorBindingViolation), "KME_ERROR_BINDING_VIOLATION");
  EXPECT_EQ(describe(ResultCode{7, 7}), "unrecognised result");
}

}  // namespace
}  // namespace kmebind::s6a
