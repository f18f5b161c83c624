#!/usr/bin/env bash
# Installs what the test suite needs when it is missing: Debian packages (redis-server for the Redis
# store tests, nginx for the load-balancer tests, Chromium and CJK fonts for the browser tests,
# docker-compose to validate the compose file, poppler-utils for the export tests), pnpm 12.4.2 and the workspace's dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -n "$(fc-list 'Noto Sans CJK SC' 2>/dev/null)" ] || missing+=(fonts-noto-cjk) # not a pipe into grep -q: under pipefail its early exit fails the pipe
command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v pdftotext >/dev/null || missing+=(poppler-utils) # the export tests read PDFs back with pdftotext, pdffonts and pdftoppm
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
bash scripts/ensure-pnpm.sh
pnpm install --frozen-lockfile
