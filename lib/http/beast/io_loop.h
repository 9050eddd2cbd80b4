#ifndef COFFER_LIB_HTTP_BEAST_IO_LOOP_H_
#define COFFER_LIB_HTTP_BEAST_IO_LOOP_H_

#include <boost/asio/io_context.hpp>

namespace coffer::http::beast {

// Runs `ioc` until it has no more work. A completion handler that throws (past the per-request
// catch, so a bug in the connection code, or memory ran out) is logged and the loop goes on:
// the connection it belonged to goes with it, and the thread's other connections are served
// rather than ended by std::terminate (docs/decisions.md).
void RunIoLoop(boost::asio::io_context& ioc);

}  // namespace coffer::http::beast

#endif  // COFFER_LIB_HTTP_BEAST_IO_LOOP_H_
