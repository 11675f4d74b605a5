#!/usr/bin/env bash
# Installs the system services the test suite uses (PostgreSQL 15, Chromium) from Debian's
# packages when they are missing. The tests start and stop the servers themselves.
# Outside CI a failed install is not fatal: the tests that need the service then skip
# and say why. In CI (CI=true) it is fatal, since those tests must run.
set -u
need=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "installing system packages: ${need[*]}"
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null; then
  echo "cannot install ${need[*]} (not root or no apt-get); tests needing them will skip" >&2
  [ "${CI:-}" = "true" ] && exit 1
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; then
  # Debian's postgresql package starts a cluster on install; the tests run their own.
  service postgresql stop >/dev/null 2>&1 || true
  exit 0
fi
echo "apt-get install ${need[*]} failed; tests needing them will skip" >&2
[ "${CI:-}" = "true" ] && exit 1
exit 0
