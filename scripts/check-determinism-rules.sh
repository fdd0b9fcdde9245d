#!/usr/bin/env bash
# Fails when code that must be deterministic uses what the determinism rules forbid
# (DESIGN.md): wall clocks, std::random_device, rand(), threads, the standard library's
# random distributions. Usage: check-determinism-rules.sh [DIR...]  (default: sim model)
set -u
cd "$(dirname "$0")/.." || exit 2
dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=(sim model)

pattern='system_clock|steady_clock|high_resolution_clock|random_device|(^|[^_a-zA-Z0-9.>:])s?rand\(|std::thread|std::jthread|std::async|pthread_create|std::(uniform_int|uniform_real|normal|bernoulli|exponential|poisson|discrete|geometric|binomial)_distribution|std::(mt19937|minstd_rand|default_random_engine)|time\((NULL|nullptr|0)\)|gettimeofday|clock_gettime'

hits=$(grep -rnE --include='*.h' --include='*.cpp' "$pattern" "${dirs[@]}" 2>/dev/null)
if [ -n "$hits" ]; then
  echo "determinism rules: these lines use what sim/ and model/ may not (see DESIGN.md):"
  echo "$hits"
  exit 1
fi
echo "determinism rules: ${dirs[*]} clean"
