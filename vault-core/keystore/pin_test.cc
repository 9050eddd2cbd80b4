#include "vault-core/keystore/pin.h"

#include <stdlib.h>
#include <sys/stat.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"

namespace coffer::keystore {
namespace {

using ::coffer::testing::StatusIs;
using ::testing::HasSubstr;

class ReadPinTest : public ::testing::Test {
 protected:
  std::string WritePinFile(std::string_view contents, mode_t mode = 0600) {
    std::string path = dir_.File("pin");
    testing::WriteFileOrDie(path, contents);
    chmod(path.c_str(), mode);
    return path;
  }

  testing::TempDir dir_;
};

TEST_F(ReadPinTest, FileTrailingNewlineIsTrimmed) {
  COFFER_ASSERT_OK_AND_ASSIGN(SecretBytes pin, ReadPin(WritePinFile("12 34\n"), ""));
  EXPECT_EQ(pin.reveal(), "12 34");
}

TEST_F(ReadPinTest, FileCrLfIsTrimmed) {
  COFFER_ASSERT_OK_AND_ASSIGN(SecretBytes pin, ReadPin(WritePinFile("1234\r\n\n"), ""));
  EXPECT_EQ(pin.reveal(), "1234");
}

TEST_F(ReadPinTest, FileWithoutNewlineIsReadWhole) {
  COFFER_ASSERT_OK_AND_ASSIGN(SecretBytes pin, ReadPin(WritePinFile(" 1234 "), ""));
  EXPECT_EQ(pin.reveal(), " 1234 ");
}

TEST_F(ReadPinTest, WorldReadableFileIsStillRead) {
  COFFER_ASSERT_OK_AND_ASSIGN(SecretBytes pin, ReadPin(WritePinFile("1234\n", 0644), ""));
  EXPECT_EQ(pin.reveal(), "1234");
}

TEST(PinFileIsPrivateTest, OnlyTheOwnerOrTheVaultsOwnGroupMayRead) {
  EXPECT_TRUE(PinFileIsPrivate(0600, 10, 20));
  EXPECT_TRUE(PinFileIsPrivate(0440, 20, 20));  // a Kubernetes Secret mounted with fsGroup 20
  EXPECT_FALSE(PinFileIsPrivate(0440, 10, 20));
  EXPECT_FALSE(PinFileIsPrivate(0604, 20, 20));
  EXPECT_FALSE(PinFileIsPrivate(0644, 20, 20));
}

TEST_F(ReadPinTest, MissingFileIsNotFound) {
  EXPECT_THAT(ReadPin(dir_.File("absent"), ""),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(dir_.File("absent"))));
}

TEST_F(ReadPinTest, EmptyFileIsInvalidArgument) {
  EXPECT_THAT(ReadPin(WritePinFile("\n"), ""), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ReadPinTest, DirectoryIsRefused) {
  EXPECT_THAT(ReadPin(dir_.path(), ""), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(ReadPinTest, EnvironmentVariableIsReadThenWipedAndUnset) {
  setenv("COFFER_TEST_HSM_PIN", "5678", 1);
  const char* copy = std::getenv("COFFER_TEST_HSM_PIN");
  COFFER_ASSERT_OK_AND_ASSIGN(SecretBytes pin, ReadPin("", "COFFER_TEST_HSM_PIN"));
  EXPECT_EQ(pin.reveal(), "5678");
  EXPECT_EQ(std::getenv("COFFER_TEST_HSM_PIN"), nullptr);
  // The environment's own bytes no longer hold the PIN (glibc keeps them allocated).
  EXPECT_EQ(std::string_view(copy, 4).find("5678"), std::string_view::npos);
}

TEST_F(ReadPinTest, UnsetEnvironmentVariableIsNotFound) {
  unsetenv("COFFER_TEST_NO_PIN");
  EXPECT_THAT(ReadPin("", "COFFER_TEST_NO_PIN"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("COFFER_TEST_NO_PIN")));
}

TEST_F(ReadPinTest, EmptyEnvironmentVariableIsInvalidArgument) {
  setenv("COFFER_TEST_EMPTY_PIN", "", 1);
  EXPECT_THAT(ReadPin("", "COFFER_TEST_EMPTY_PIN"), StatusIs(absl::StatusCode::kInvalidArgument));
  unsetenv("COFFER_TEST_EMPTY_PIN");
}

TEST_F(ReadPinTest, NoSourceIsInvalidArgument) {
  EXPECT_THAT(ReadPin("", ""), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ReadPinTest, TwoSourcesAreInvalidArgument) {
  EXPECT_THAT(ReadPin(WritePinFile("1234"), "COFFER_TEST_HSM_PIN"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("use one")));
}

}  // namespace
}  // namespace coffer::keystore
