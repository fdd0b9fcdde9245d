#!/usr/bin/env bash
# Builds kafkasim and runs every test: unit tests, RapidCheck properties, determinism (pinned
# trace hashes), the Python module and the notebooks in Release, then the C++ tests again
# under AddressSanitizer and UBSan, determinism against the same pins included (and,
# with FUZZ_SECONDS, the scenario loader under libFuzzer). Installs the Debian
# packages it needs first. With CI=true warnings are errors.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

werror=OFF
[ "${CI:-}" = "true" ] && werror=ON

cmake --preset release -DKAFKASIM_WERROR=$werror
cmake --build --preset release
ctest --preset release

# Memory and undefined-behaviour errors: the C++ suite again under ASan and UBSan, in a build
# with assertions on at -O1 (ASan's advice: at -O0 the suite ran nine times slower and had to
# leave a third of it out). Its Determinism tests check the same pinned trace hashes as
# Release's, so no result depends on the build. One test is left to Release: the
# high-watermark truncation property (a busy producer over a hundred clusters, 11 s in
# Release, two minutes here), whose truncation code the KIP-101 scenario files run here.
cmake --preset asan -DKAFKASIM_WERROR=$werror
cmake --build --preset asan
ctest --preset asan -E "under high-watermark truncation break"

# The scenario loader must survive any input. Every build above replays the kept corpus; with
# FUZZ_SECONDS set, libFuzzer also runs that long (its clang build adds about five minutes).
if [ "${FUZZ_SECONDS:-0}" -gt 0 ]; then bash scripts/fuzz.sh "$FUZZ_SECONDS"; fi
