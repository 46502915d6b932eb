#!/usr/bin/env bash
# The init step before the first `docker compose -f deploy/docker-compose.yml up`: creates deploy/local/
# with a test PKI, the sample gateway and Kanta double configurations and the secrets compose mounts
# (see deploy/init-compose.ts for the list). Test certificates only: for production, put your own
# gateway.yaml, certificates and secrets in the same places (docs/operations.md "Deployment").
#   deploy/init.sh [DIR] [--force]
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --import tsx deploy/init-compose.ts "$@"
