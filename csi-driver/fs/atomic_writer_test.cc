// The atomic swap of a volume's files, on a real file system.
#include "csi-driver/fs/atomic_writer.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"

namespace coffer::csi {
namespace {

using ::coffer::testing::StatusIs;

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return in ? text.str() : "<missing>";
}

mode_t Mode(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? st.st_mode & 07777 : 0;
}

std::vector<FileToWrite> Set(const std::string& generation, std::vector<std::string> names) {
  std::vector<FileToWrite> files;
  for (const std::string& name : names) {
    files.push_back(FileToWrite{name, SecretBytes(name + "@" + generation), 0640});
  }
  return files;
}

std::vector<std::string> Listing(const std::string& dir) {
  std::vector<std::string> names;
  for (const char* d : {"..data", "a", "b", "c"}) {
    struct stat st;
    if (lstat((dir + "/" + d).c_str(), &st) == 0) names.push_back(d);
  }
  return names;
}

TEST(AtomicWriterTest, WritesFilesBehindLinksWithTheirModes) {
  testing::TempDir dir;
  umask(077);  // the modes asked for win over the process's umask
  COFFER_ASSERT_OK(WriteAtomically(dir.path(), Set("1", {"a", "b"}), absl::Now()));
  umask(022);
  EXPECT_EQ(Read(dir.File("a")), "a@1");
  EXPECT_EQ(Read(dir.File("b")), "b@1");
  EXPECT_EQ(Mode(dir.File("a")), 0640u);
  EXPECT_EQ(Mode(dir.File("..data")), 0755u);
  char link[256] = {};
  ASSERT_GT(readlink(dir.File("a").c_str(), link, sizeof(link) - 1), 0);
  EXPECT_STREQ(link, "..data/a");
}

TEST(AtomicWriterTest, SwapReplacesTheSetDropsOldFilesAndTheOldDirectory) {
  testing::TempDir dir;
  COFFER_ASSERT_OK(WriteAtomically(dir.path(), Set("1", {"a", "b"}), absl::Now()));
  // A set left by a write that was cut off, and a file somebody else put there.
  ASSERT_EQ(mkdir(dir.File("..2020_01_01_00_00_00.000000000").c_str(), 0755), 0);
  std::ofstream(dir.File("..2020_01_01_00_00_00.000000000/x")) << "stale";
  std::ofstream(dir.File("other")) << "not ours";
  COFFER_ASSERT_OK(WriteAtomically(dir.path(), Set("2", {"b", "c"}), absl::Now()));
  EXPECT_EQ(Read(dir.File("b")), "b@2");
  EXPECT_EQ(Read(dir.File("c")), "c@2");
  EXPECT_THAT(Listing(dir.path()), ::testing::ElementsAre("..data", "b", "c"));
  EXPECT_EQ(Read(dir.File("other")), "not ours");
  int sets = 0;
  if (DIR* d = opendir(dir.path().c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name.rfind("..2", 0) == 0) ++sets;
    }
    closedir(d);
  }
  EXPECT_EQ(sets, 1);

  RemoveSets(dir.path());
  EXPECT_TRUE(Listing(dir.path()).empty());
  EXPECT_EQ(Read(dir.File("other")), "not ours");
}

TEST(AtomicWriterTest, BadNamesAreRefusedAndTheLiveSetStays) {
  testing::TempDir dir;
  COFFER_ASSERT_OK(WriteAtomically(dir.path(), Set("1", {"a"}), absl::Now()));
  for (const char* bad : {"../escape", ".hidden", "x/y", ""}) {
    EXPECT_THAT(WriteAtomically(dir.path(), Set("2", {bad}), absl::Now()),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << bad;
  }
  EXPECT_THAT(WriteAtomically(dir.path(), Set("2", {"a", "a"}), absl::Now()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(Read(dir.File("a")), "a@1");
}

// What a pod could plant in its volume never leads the driver (root, on the host) outside it.
TEST(AtomicWriterTest, PlantedLinksAreRemovedNotFollowed) {
  testing::TempDir dir;
  testing::TempDir outside;
  std::ofstream(outside.File("precious")) << "host file";
  COFFER_ASSERT_OK(WriteAtomically(dir.path(), Set("1", {"a"}), absl::Now()));
  ASSERT_EQ(symlink(outside.path().c_str(), dir.File("..planted").c_str()), 0);
  ASSERT_EQ(symlink(outside.File("precious").c_str(), dir.File("b").c_str()), 0);
  COFFER_ASSERT_OK(WriteAtomically(dir.path(), Set("2", {"a", "b"}), absl::Now()));
  EXPECT_EQ(Read(outside.File("precious")), "host file");
  EXPECT_EQ(Read(dir.File("b")), "b@2");  // the planted link was replaced, not written through
  struct stat st;
  EXPECT_NE(lstat(dir.File("..planted").c_str(), &st), 0);
  ASSERT_EQ(symlink(outside.path().c_str(), dir.File("..again").c_str()), 0);
  RemoveSets(dir.path());
  EXPECT_EQ(Read(outside.File("precious")), "host file");
}

// A reader that resolves ..data once and reads every file beneath it sees one generation,
// however the writer's swaps fall between its reads.
TEST(AtomicWriterTest, ConcurrentReaderNeverSeesAMixOfTwoSets) {
  testing::TempDir dir;
  COFFER_ASSERT_OK(WriteAtomically(dir.path(), Set("0", {"a", "b", "c"}), absl::Now()));
  std::atomic<bool> done{false};
  std::atomic<int> whole_reads{0};
  std::atomic<int> mixed{0};
  std::thread reader([&] {
    while (!done) {
      int data = open(dir.File("..data").c_str(), O_RDONLY | O_DIRECTORY);
      if (data < 0) continue;
      std::string generations;
      bool complete = true;
      for (const char* name : {"a", "b", "c"}) {
        int fd = openat(data, name, O_RDONLY);
        if (fd < 0) {  // the set was removed under us: the reader retries, as kubelet's do
          complete = false;
          break;
        }
        char buffer[64] = {};
        ssize_t n = read(fd, buffer, sizeof(buffer) - 1);
        close(fd);
        std::string text(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
        generations += "|" + text.substr(text.find('@') + 1);
      }
      close(data);
      if (!complete) continue;
      ++whole_reads;
      std::string first = generations.substr(0, generations.find('|', 1));
      if (generations != first + first + first) ++mixed;
    }
  });
  for (int generation = 1; generation <= 300; ++generation) {
    COFFER_ASSERT_OK(WriteAtomically(dir.path(), Set(std::to_string(generation), {"a", "b", "c"}),
                                     absl::Now()));
  }
  done = true;
  reader.join();
  EXPECT_GT(whole_reads.load(), 0);
  EXPECT_EQ(mixed.load(), 0);
  EXPECT_EQ(Read(dir.File("a")), "a@300");
}

}  // namespace
}  // namespace coffer::csi
