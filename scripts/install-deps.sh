#!/usr/bin/env bash
# Installs every Debian package kafkasim needs to build, test and run its notebooks; with
# --fuzz, also Debian's clang and its libFuzzer runtime, which only scripts/fuzz.sh uses.
# PyPI is unreachable in this project's environments: Python packages come from Debian,
# and the build pins /usr/bin/python3, which sees them.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache git
  libboost-graph-dev libcli11-dev nlohmann-json3-dev catch2 librapidcheck-dev libgoogle-perftools-dev
  pybind11-dev python3-pybind11 pybind11-json-dev python3-dev
  python3-numpy python3-pandas python3-matplotlib python3-pytest
  python3-nbconvert python3-nbclient python3-ipykernel jupyter-nbconvert
)

[ "${1:-}" = "--fuzz" ] && packages+=(clang libclang-rt-14-dev)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
