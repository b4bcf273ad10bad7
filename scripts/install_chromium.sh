#!/usr/bin/env bash
# Debian's Chromium and CJK fonts, for the test that renders report.html offline.
# Needs root (CI runs as root); does nothing when Chromium is already there.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi
chromium --version
