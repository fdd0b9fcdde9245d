// CRC32C (Castagnoli), the checksum of Kafka's record batch v2.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kafkasim::storage {

// Uses the SSE4.2 crc32 instruction when the CPU has it, else a portable table method; both
// give the same result. `crc` continues an earlier call (0 to start).
std::uint32_t crc32c(const std::uint8_t* data, std::size_t size, std::uint32_t crc = 0);
std::uint32_t crc32c_portable(const std::uint8_t* data, std::size_t size, std::uint32_t crc = 0);
bool crc32c_hardware_available();

}  // namespace kafkasim::storage
