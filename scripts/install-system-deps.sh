#!/usr/bin/env bash
# Installs the Debian packages the gateway's demo and tests need when they are missing:
# redis-server (real Redis everywhere, never a mock), xmlsec1 (independent signature checks),
# xmllint from libxml2-utils (CDA schema validation at intake and in the tests) and promtool from the
# prometheus package (the alert rules' checks and unit tests, the metrics lint).
set -euo pipefail
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v xmlsec1 >/dev/null 2>&1 || need+=(xmlsec1)
command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
# ops console: its browser tests drive Debian's chromium headless through playwright-core
[ -x /usr/bin/chromium ] || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "kanta-gateway: please install: ${need[*]} (apt-get install -y ${need[*]}); no root and no sudo here" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "kanta-gateway: apt-get not found; please install ${need[*]} with your package manager" >&2
  exit 1
fi
echo "kanta-gateway: installing ${need[*]} with apt-get" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
