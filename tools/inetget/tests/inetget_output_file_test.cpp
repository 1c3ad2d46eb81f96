#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "output_file.hpp"

namespace inetget {
namespace {

namespace fs = std::filesystem;

TEST(InetgetOutputName, LastPathSegment) {
    EXPECT_EQ(file_name_for_url("http://127.0.0.1:8080/files/data.bin"), "data.bin");
    EXPECT_EQ(file_name_for_url("https://example.test/a/b/c.tar.gz?x=1#frag"), "c.tar.gz");
    EXPECT_EQ(file_name_for_url("http://host/dir/my%20file.txt"), "my file.txt");
    EXPECT_EQ(file_name_for_url("ftp://host/pub/readme"), "readme");
}

TEST(InetgetOutputName, FallsBackToIndexHtml) {
    EXPECT_EQ(file_name_for_url("http://host"), "index.html");
    EXPECT_EQ(file_name_for_url("http://host/"), "index.html");
    EXPECT_EQ(file_name_for_url("http://host/dir/"), "index.html");
    EXPECT_EQ(file_name_for_url("http://host/dir/.."), "index.html");
    EXPECT_EQ(file_name_for_url("http://host/%2e%2e"), "index.html");
    EXPECT_EQ(file_name_for_url("http://host/a%2Fb"), "index.html");
    EXPECT_EQ(file_name_for_url("http://host/a%00b"), "index.html");
    EXPECT_EQ(file_name_for_url("http://host?query/with/slashes"), "index.html");
}

TEST(InetgetOutputName, RepeatedNamesAreNumbered) {
    auto names = unique_file_names(
        {"http://a/x.bin", "http://b/x.bin", "http://c/x.bin.1", "http://d/x.bin", "http://e/"});
    EXPECT_EQ(names,
              (std::vector<std::string>{"x.bin", "x.bin.1", "x.bin.1.1", "x.bin.2", "index.html"}));
}

class InetgetPartFile : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "inetget-part-test-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override { fs::remove_all(dir_); }

    static std::string read(const fs::path& path) {
        std::ifstream in(path, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

    fs::path dir_;
};

TEST_F(InetgetPartFile, CommitRenamesToFinalName) {
    PartFile file(dir_ / "out.bin");
    ASSERT_FALSE(file.open());
    EXPECT_TRUE(fs::exists(dir_ / "out.bin.part"));
    EXPECT_FALSE(fs::exists(dir_ / "out.bin"));
    ASSERT_FALSE(file.write("hello ", 6));
    ASSERT_FALSE(file.write("world", 5));
    ASSERT_FALSE(file.commit());
    EXPECT_FALSE(fs::exists(dir_ / "out.bin.part"));
    EXPECT_EQ(read(dir_ / "out.bin"), "hello world");
}

TEST_F(InetgetPartFile, CommitReplacesAnExistingFile) {
    std::ofstream(dir_ / "out.bin") << "old";
    {
        PartFile file(dir_ / "out.bin");
        ASSERT_FALSE(file.open());
        ASSERT_FALSE(file.write("new", 3));
        ASSERT_FALSE(file.commit());
    }
    EXPECT_EQ(read(dir_ / "out.bin"), "new");
}

TEST_F(InetgetPartFile, DestructionWithoutCommitRemovesThePartFile) {
    std::ofstream(dir_ / "keep.bin") << "previous download";
    {
        PartFile file(dir_ / "keep.bin");
        ASSERT_FALSE(file.open());
        ASSERT_FALSE(file.write("partial", 7));
    }
    EXPECT_FALSE(fs::exists(dir_ / "keep.bin.part"));
    EXPECT_EQ(read(dir_ / "keep.bin"), "previous download");
}

TEST_F(InetgetPartFile, DiscardIsRepeatable) {
    PartFile file(dir_ / "x");
    ASSERT_FALSE(file.open());
    file.discard();
    file.discard();
    EXPECT_FALSE(fs::exists(dir_ / "x.part"));
    EXPECT_TRUE(file.write("a", 1));  // closed: an error, not a crash
}

TEST_F(InetgetPartFile, OpenFailsInAMissingDirectory) {
    PartFile file(dir_ / "missing" / "x");
    auto ec = file.open();
    EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
}

}  // namespace
}  // namespace inetget
