#!/usr/bin/env bash
# Builds kafkasim and runs every test: unit tests, RapidCheck properties, determinism (in
# Release and again in Debug, against the same pinned trace hashes), the Python module and the
# notebooks, then the C++ tests again under AddressSanitizer and UBSan, then the scenario loader
# under libFuzzer for 30 s. Installs the Debian
# packages it needs first. With CI=true warnings are errors.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

werror=OFF
[ "${CI:-}" = "true" ] && werror=ON

cmake --preset release -DKAFKASIM_WERROR=$werror
cmake --build --preset release
ctest --preset release

# The same seeds must give the same hashes whatever the build type.
cmake --preset debug -DKAFKASIM_WERROR=$werror -DKAFKASIM_BUILD_PYTHON=OFF
cmake --build --preset debug --target kafkasim_tests
ctest --preset debug -R "^Determinism"

# Memory and undefined-behaviour errors: the C++ suite under ASan and UBSan.
cmake --preset asan -DKAFKASIM_WERROR=$werror
cmake --build --preset asan
ctest --preset asan

# The scenario loader must survive any input: a short libFuzzer run from the kept corpus.
bash scripts/fuzz.sh "${FUZZ_SECONDS:-30}"
