#!/usr/bin/env bash
# Checks the Dockerfile without a Docker engine:
#  1. hadolint (config in .hadolint.yaml);
#  2. every RUN step of the build stage is executed here, verbatim, from the repo root
#     (the build stage's WORKDIR holds the same files), so the image's build steps are
#     exactly what CI runs;
#  3. the runtime stage installs exactly the Debian packages that own the shared
#     libraries the release binary links: none missing, none extra.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "check-dockerfile: hadolint"
hadolint Dockerfile

echo "check-dockerfile: build-stage RUN steps"
python3 - <<'PY' > /tmp/kiln-dockerfile-build-steps.sh
import re
text = open("Dockerfile").read().replace("\\\n", " ")
stage = None
for line in text.splitlines():
    line = line.strip()
    m = re.match(r"FROM\s+\S+\s+AS\s+(\S+)", line, re.I)
    if m:
        stage = m.group(1)
    elif stage == "build" and line.upper().startswith("RUN "):
        print("set -x; " + line[4:].strip())
PY
grep -q "make release" /tmp/kiln-dockerfile-build-steps.sh || { echo "build stage does not run make release"; exit 1; }
bash -euo pipefail /tmp/kiln-dockerfile-build-steps.sh

echo "check-dockerfile: runtime libraries"
binary=.build/release/kiln
owner() {  # Debian package owning a library path (usrmerge: try both spellings)
    local p="$1" r
    r=$(realpath "$p")
    for q in "$p" "$r" "${r#/usr}" "/usr$p"; do
        dpkg -S "$q" 2>/dev/null | head -1 | cut -d: -f1 && return 0
    done
    echo "UNOWNED:$p"
}
needed=$(ldd "$binary" | awk '/=> \//{print $3}' | while read -r lib; do owner "$lib"; done | sort -u)
# Packages every debian:bookworm-slim image already has.
base="libc6 libgcc-s1"
needed=$(comm -23 <(echo "$needed") <(tr ' ' '\n' <<<"$base" | sort))
declared=$(python3 - <<'PY'
import re
text = open("Dockerfile").read().replace("\\\n", " ")
stage, pkgs = None, set()
for line in text.splitlines():
    m = re.match(r"\s*FROM\s+\S+\s+AS\s+(\S+)", line, re.I)
    if m:
        stage = m.group(1)
    elif stage == "runtime":
        for cmd in re.findall(r"apt-get install ([^&;]+)", line):
            pkgs |= {w for w in cmd.split() if not w.startswith("-")}
print("\n".join(sorted(pkgs)))
PY
)
if grep -q UNOWNED <<<"$needed"; then echo "libraries not from Debian packages (static runtime expected):"; grep UNOWNED <<<"$needed"; exit 1; fi
missing=$(comm -23 <(echo "$needed") <(echo "$declared"))
extra=$(comm -13 <(echo "$needed") <(echo "$declared"))
echo "  binary needs: $(echo $needed)"
echo "  runtime installs: $(echo $declared)"
[ -z "$missing" ] || { echo "runtime stage lacks: $missing"; exit 1; }
[ -z "$extra" ] || { echo "runtime stage installs packages the binary does not link: $extra"; exit 1; }
echo "check-dockerfile: ok"
