#!/usr/bin/env bash
# One command from a fresh clone to a running Yishi on the embedded SQLite store.
# Installs the dependencies, builds the web app, starts the server and prints the URL to open.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-pnpm.sh
pnpm install --frozen-lockfile
pnpm build
exec pnpm start
