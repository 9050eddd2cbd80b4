#include "lib/http/beast/io_loop.h"

#include <boost/asio/post.hpp>
#include <stdexcept>

#include "gtest/gtest.h"

namespace coffer::http::beast {
namespace {

// What a throwing completion handler costs is itself: the work queued after it still runs, and
// the loop returns only once there is no work left.
TEST(IoLoopTest, AThrowingHandlerDoesNotStopTheOthers) {
  boost::asio::io_context ioc;
  int ran = 0;
  boost::asio::post(ioc, [&] { ++ran; });
  boost::asio::post(ioc, [] { throw std::runtime_error("a bug in connection code"); });
  boost::asio::post(ioc, [&] { ++ran; });
  boost::asio::post(ioc, [] { throw 42; });  // not a std::exception
  boost::asio::post(ioc, [&] { ++ran; });
  RunIoLoop(ioc);
  EXPECT_EQ(ran, 3);
  EXPECT_TRUE(ioc.stopped());
}

}  // namespace
}  // namespace coffer::http::beast
