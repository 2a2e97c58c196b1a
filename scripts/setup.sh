#!/usr/bin/env bash
# Installs what is missing on a fresh Debian 12 machine, then builds. Idempotent and quiet when
# everything is in place, so `npm start` and `npm test` can run it every time.
#   scripts/setup.sh          what running Pier needs
#   scripts/setup.sh --test   plus what the tests need (the Debian AWS CLI)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

need_pkgs=()
have() { command -v "$1" >/dev/null 2>&1; }
# Building better-sqlite3 from source needs a compiler and Python (node-gyp).
have g++ || need_pkgs+=(g++)
have make || need_pkgs+=(make)
have python3 || need_pkgs+=(python3)
# The host agent: gVisor and runc sandboxes, the pause/init busybox, task disks, namespaces, layers.
have runsc || need_pkgs+=(runsc)
[ -x /usr/sbin/runc ] || have runc || need_pkgs+=(runc)
dpkg -s busybox-static >/dev/null 2>&1 || need_pkgs+=(busybox-static)   # must be the static build
have mkfs.ext4 || need_pkgs+=(e2fsprogs)
have ip || need_pkgs+=(iproute2)
have nft || need_pkgs+=(nftables)   # security groups
[ -x /usr/sbin/haproxy ] || have haproxy || need_pkgs+=(haproxy)   # load balancers' listeners (the agent runs its own, not the service)
have zstd || need_pkgs+=(zstd)
have curl || need_pkgs+=(curl)   # the quickstart's `curl http://127.0.0.1:8080/`
if [ "$want_test" = 1 ]; then
  # Debian's awscli package is AWS CLI v2 at /usr/bin/aws (a pip-installed v1 may shadow it on PATH).
  [ -x /usr/bin/aws ] || need_pkgs+=(awscli)
  # A real OCI registry on 127.0.0.1, image tools, htpasswd and openssl for the auth setups.
  have docker-registry || need_pkgs+=(docker-registry)
  have skopeo || need_pkgs+=(skopeo)
  have umoci || need_pkgs+=(umoci)
  have htpasswd || need_pkgs+=(apache2-utils)
  have openssl || need_pkgs+=(openssl)
  # Headless Chromium for the web console's end-to-end suite (driven by playwright-core, no browser download).
  [ -x /usr/bin/chromium ] || need_pkgs+=(chromium)
fi
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages: ${need_pkgs[*]} (run as root, or install them)" >&2
    exit 1
  fi
  echo "setup: installing Debian packages: ${need_pkgs[*]} (about a minute from a Debian mirror)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >&2
fi

# npm packages: install when node_modules is missing or older than the lockfile.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages (better-sqlite3 builds from source, about 80 s)" >&2
  npm ci --no-audit --no-fund >&2
fi

# Build when any source is newer than the build stamp.
stamp=dist/.build-stamp
if [ ! -f "$stamp" ] || [ -n "$(find src test bench tsconfig.json package.json -newer "$stamp" -print -quit 2>/dev/null)" ]; then
  echo "setup: building (TypeScript to dist/, under a minute)" >&2
  rm -rf dist
  npx --no-install tsc -p tsconfig.json >&2
  touch "$stamp"
fi
