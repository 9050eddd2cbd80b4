#include "lib/http/beast/io_loop.h"

#include <exception>

#include "lib/base/logging.h"

namespace coffer::http::beast {

void RunIoLoop(boost::asio::io_context& ioc) {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& e) {
      COFFER_LOG(kHttp, err, "I/O thread caught: {}", e.what());
    } catch (...) {
      COFFER_LOG(kHttp, err, "I/O thread caught an exception of unknown type");
    }
  }
}

}  // namespace coffer::http::beast
