#include "lib/testing/softhsm_token.h"

#include <stdlib.h>

#include <filesystem>

#include "gtest/gtest.h"
#include "lib/testing/subprocess.h"

namespace coffer::testing {

SoftHsmToken::SoftHsmToken(std::string label, std::string pin)
    : label_(std::move(label)), pin_(std::move(pin)) {
  std::filesystem::create_directories(dir_.File("tokens"));
  conf_path_ = dir_.File("softhsm2.conf");
  WriteFileOrDie(conf_path_, "directories.tokendir = " + dir_.File("tokens") +
                                 "\nobjectstore.backend = file\nlog.level = ERROR\n");
  pin_file_ = dir_.File("pin");
  WriteFileOrDie(pin_file_, pin_ + "\n");
  setenv("SOFTHSM2_CONF", conf_path_.c_str(), 1);
  AddToken(label_);
}

void SoftHsmToken::AddToken(const std::string& label) const {
  RunResult r = Run({"softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin",
                     kSoPin, "--pin", pin_},
                    {{"SOFTHSM2_CONF", conf_path_}});
  if (r.exit_code != 0) ADD_FAILURE() << "softhsm2-util failed: " << r.output;
}

}  // namespace coffer::testing
