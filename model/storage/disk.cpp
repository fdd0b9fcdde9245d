#include "model/storage/disk.h"

namespace kafkasim::storage {

const char* to_string(IoErrc code) {
  switch (code) {
    case IoErrc::ok: return "ok";
    case IoErrc::not_found: return "no such file or directory";
    case IoErrc::already_exists: return "file exists";
    case IoErrc::no_space: return "no space left on device";
    case IoErrc::io_error: return "input/output error";
    case IoErrc::invalid_argument: return "invalid argument";
    case IoErrc::out_of_order_sequence: return "out of order sequence number";
    case IoErrc::invalid_producer_epoch: return "invalid producer epoch";
  }
  return "unknown error";
}

}  // namespace kafkasim::storage
