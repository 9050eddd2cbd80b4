#ifndef COFFER_LIB_TESTING_TEMP_DIR_H_
#define COFFER_LIB_TESTING_TEMP_DIR_H_

#include <string>
#include <string_view>

namespace coffer::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

// Small file helpers for tests; they fail the test (ADD_FAILURE) on error.
std::string ReadFileOrDie(const std::string& path);
void WriteFileOrDie(const std::string& path, std::string_view contents);

}  // namespace coffer::testing

#endif  // COFFER_LIB_TESTING_TEMP_DIR_H_
