#!/usr/bin/env bash
# Fuzzes the scenario loader with libFuzzer (Debian's clang) for SECONDS (default 60), starting
# from tests/scenario_fuzz_corpus and the scenarios. New interesting inputs go to
# build/fuzz/corpus; fold the useful ones back with
#   build/fuzz/tests/fuzz/scenario_fuzzer -merge=1 tests/scenario_fuzz_corpus build/fuzz/corpus
# A crash leaves crash-<sha1> here: add it to tests/scenario_fuzz_corpus once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
bash scripts/install-deps.sh --fuzz
cmake --preset fuzz > /dev/null
cmake --build --preset fuzz
mkdir -p build/fuzz/corpus
cp tests/scenario_fuzz_corpus/* scenarios/*.json build/fuzz/corpus/
build/fuzz/tests/fuzz/scenario_fuzzer -max_total_time="$seconds" -max_len=8192 -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 build/fuzz/corpus
