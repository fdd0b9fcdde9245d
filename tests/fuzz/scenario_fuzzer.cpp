// libFuzzer target: the scenario loader must never crash, hang or leak on any input, and must
// either load a scenario or report at least one problem (never both, never neither).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sim/scenario/scenario_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto result = kafkasim::sim::scenario::parse_scenario(
      std::string_view(reinterpret_cast<const char*>(data), size));
  if (result.scenario.has_value() == !result.problems.empty()) std::abort();
  return 0;
}
