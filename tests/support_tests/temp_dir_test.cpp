#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "tests/support/free_port.hpp"
#include "tests/support/temp_dir.hpp"

namespace sluice::testing {
namespace {

TEST(TempDir, IsCreatedFreshAndRemovedWithItsContents) {
  std::filesystem::path kept;
  {
    temp_dir a("sluice-unit"), b("sluice-unit");
    EXPECT_NE(a.path(), b.path());
    ASSERT_TRUE(std::filesystem::is_directory(a.path()));
    EXPECT_TRUE(std::filesystem::is_empty(a.path()));
    std::filesystem::create_directory(a / "sub");
    std::ofstream(a / "sub" / "file") << "x";
    kept = a.path();
  }
  EXPECT_FALSE(std::filesystem::exists(kept));
}

TEST(FreeTcpPort, CanBeBoundOnLoopback) {
  int port = free_tcp_port();
  ASSERT_GT(port, 0);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::close(fd);
}

}  // namespace
}  // namespace sluice::testing
