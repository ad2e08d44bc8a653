#!/usr/bin/env bash
# Installs what Kiln needs on Debian 12, idempotently: only missing packages are fetched.
#   scripts/install-deps.sh build   C libraries the product links (and pkg-config)
#   scripts/install-deps.sh test    build + test tools (curl, promtool, Python test packages)
# Runs as root, or through sudo when it is available.
set -euo pipefail
mode="${1:-build}"
here="$(cd "$(dirname "$0")/.." && pwd)"

build_pkgs=(pkg-config libopenblas-dev zlib1g-dev libssl-dev libjpeg62-turbo-dev libpng-dev libdeflate-dev)
test_pkgs=(curl prometheus python3-pip)

pkgs=("${build_pkgs[@]}")
[ "$mode" = test ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "$mode" = test ] && ! command -v python3 >/dev/null; then missing+=(python3); fi

if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "install-deps: installing ${missing[*]}"
    $sudo apt-get update -qq
    # The prometheus package only provides promtool here; do not start its service.
    DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$mode" = test ]; then
    for req in "$here/Tests/integration/requirements.txt" "$here/Tests/engine/requirements.txt"; do
    if ! python3 - "$req" <<'PY' 2>/dev/null; then
import sys
from importlib.metadata import version
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if not line:
        continue
    name, _, want = line.partition("==")
    name = name.split("[")[0]  # "tritonclient[http]": the distribution is "tritonclient"
    assert version(name) == want, name
PY
        echo "install-deps: installing Python test tools from $req"
        python3 -m pip install -q --disable-pip-version-check -r "$req" 2>/dev/null \
            || python3 -m pip install -q --disable-pip-version-check --break-system-packages -r "$req"
    fi
    done
fi
