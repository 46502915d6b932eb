#!/usr/bin/env bash
# One command on a fresh Debian/Ubuntu machine with Node >= 20.19: installs what is missing
# (redis-server and xmlsec1 through apt-get, the npm dependencies) and runs the demo.
# Extra arguments go to the demo (e.g. --once, --port 9090).
set -euo pipefail
cd "$(dirname "$0")/.."
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("kanta-gateway needs Node >= 20.19, this is " + process.version); process.exit(1) }'
bash scripts/install-system-deps.sh
# npm writes node_modules/.package-lock.json on every install: a lockfile newer than that means the
# installed tree may be stale. (The directory's own mtime says nothing: a checkout touches the lockfile.)
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
exec node bin/kanta-gateway.js demo "$@"
