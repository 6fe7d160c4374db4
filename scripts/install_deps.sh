#!/usr/bin/env bash
# Installs the Debian 12 packages screener needs to build, test and run. Idempotent: packages
# already present are not reinstalled and apt is not touched at all when nothing is missing.
# Works as root (no sudo needed) or as a user with sudo.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkgconf
  libcli11-dev libcurl4-openssl-dev rapidjson-dev libfmt-dev
  libsqlitecpp-dev libsqlite3-dev libyaml-cpp-dev catch2 libcpp-httplib-dev
  sqlite3 jq util-linux
  shellcheck systemd
  prometheus  # promtool, for the metrics textfile test (tests/cli/metrics_textfile.sh)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "install_deps: need root or sudo to install: ${missing[*]}" >&2
  exit 1
fi

echo "install_deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
  "${missing[@]}"
