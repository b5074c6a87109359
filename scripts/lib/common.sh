# Shared by every script: where things are, the pinned Deno, the one list of
# permission flags, and the Debian packages the tests and the demo need.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TOOLS="$ROOT/.tools"
DENO="$TOOLS/node_modules/.bin/deno"
DENO_VERSION=2.9.6
# The npm packages live in the checkout, not in the caller's home: a prepared
# checkout (.tools/ included) works offline and for any user, and
# scripts/install.sh copies what carpd needs from here.
export DENO_DIR="$TOOLS/deno-dir"
export DENO_NO_UPDATE_CHECK=1
export NO_COLOR=1

# The permission flags carpd runs with, from source and when compiled.
mapfile -t CARPD_PERMISSIONS < "$ROOT/scripts/lib/permissions"

# Debian packages: iproute2 for the lab, the reference daemons to test and
# benchmark against, tcpdump and arping to look at the wire, debootstrap and
# systemd-nspawn for the test under a real systemd, Prometheus (and promtool,
# curl) to scrape carpd's metrics, cyclictest (rt-tests) for the bench to
# measure the machine's own wake-up latency, conntrackd and conntrack for the
# firewall pair.
DEBIAN_PACKAGES=(iproute2 iputils-ping ucarp keepalived tcpdump arping procps
  systemd debootstrap systemd-container gcc libc6-dev nftables prometheus curl
  lintian mandoc rt-tests conntrackd conntrack)

say() { printf '%s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# The npm registry npm and Deno use (NPM_CONFIG_REGISTRY or npm's config).
npm_registry() {
  if [ -n "${NPM_CONFIG_REGISTRY:-}" ]; then
    printf '%s\n' "$NPM_CONFIG_REGISTRY"
  elif command -v npm >/dev/null; then
    npm config get registry 2>/dev/null || echo "https://registry.npmjs.org/"
  else
    echo "https://registry.npmjs.org/"
  fi
}

# Fails within seconds, saying what to do, when the npm registry does not
# answer (an offline box, a network namespace): npm and Deno would otherwise
# retry for minutes.
require_registry() {
  local what=$1 registry
  registry=$(npm_registry)
  command -v npm >/dev/null ||
    die "$what needs npm (apt-get install npm) and the npm registry"
  if ! timeout 20 npm ping --fetch-retries=0 --fetch-timeout=8000 >/dev/null 2>&1; then
    die "$what must be downloaded, but the npm registry ($registry) does not answer.
  Connect this machine to it (or to a mirror: npm config set registry URL), or copy a
  checkout prepared on a connected machine (run scripts/carpd --version there first:
  it fills .tools/ with Deno and the packages, and the copy then works offline)."
  fi
}

# Installs Deno from npm into .tools when it is missing.
ensure_deno() {
  if [ -x "$DENO" ] && "$DENO" --version 2>/dev/null | grep -q "^deno $DENO_VERSION "; then
    return 0
  fi
  require_registry "Deno $DENO_VERSION (not in .tools/ yet)"
  say "installing deno $DENO_VERSION from npm into .tools/"
  # npm install, not npm ci: npm 11 leaves the other platforms' optional
  # @deno/* packages out of the lock, and npm ci then refuses the lock.
  # package.json pins deno exactly, and deno pins its platform package.
  (cd "$TOOLS" && timeout 600 npm install --no-audit --no-fund --loglevel=error \
    --fetch-retries=2 --fetch-timeout=60000 >&2) ||
    die "could not install deno from npm"
  [ -x "$DENO" ] || die "npm ran but $DENO is missing"
}

# Installs the Debian packages that are missing, when we are root.
ensure_packages() {
  local missing=() p
  for p in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    say "warning: missing packages (${missing[*]}); network tests need root and apt-get"
    return 0
  fi
  say "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || say "warning: apt-get update failed"
  # ucarp and keepalived must not start services of their own on this box.
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
    die "apt-get install ${missing[*]} failed"
  systemctl disable --now keepalived prometheus prometheus-node-exporter \
    >/dev/null 2>&1 || true
}

# Fetches the npm packages pinned in deno.json into .tools/deno-dir (frozen
# lock); without a registry, fails at once naming what is missing.
ensure_npm_cache() {
  if (cd "$ROOT" && "$DENO" install --frozen --cached-only >/dev/null 2>&1); then
    return 0
  fi
  require_registry "The npm packages pinned in deno.json (not in .tools/deno-dir yet)"
  (cd "$ROOT" && timeout 600 "$DENO" install --frozen >&2) ||
    die "deno install --frozen failed (deno.lock out of date?)"
}
