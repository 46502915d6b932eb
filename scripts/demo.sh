#!/usr/bin/env bash
# One command on a fresh Debian/Ubuntu machine with Node >= 20.19: installs what is missing
# (redis-server and xmlsec1 through apt-get, the npm dependencies) and runs the demo.
# Extra arguments go to the demo (e.g. --once, --port 9090).
set -euo pipefail
cd "$(dirname "$0")/.."
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("kanta-gateway needs Node >= 20.19, this is " + process.version); process.exit(1) }'
bash scripts/install-system-deps.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund
fi
exec node bin/kanta-gateway.js demo "$@"
