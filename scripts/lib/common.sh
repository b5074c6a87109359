# Shared by every script: where things are, the pinned Deno, the one list of
# permission flags, and the Debian packages the tests and the demo need.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TOOLS="$ROOT/.tools"
DENO="$TOOLS/node_modules/.bin/deno"
export DENO_NO_UPDATE_CHECK=1
export NO_COLOR=1

# The permission flags carpd runs with, from source and when compiled.
mapfile -t CARPD_PERMISSIONS < "$ROOT/scripts/lib/permissions"

# Debian packages: iproute2 for the lab, the reference daemons to test and
# benchmark against, tcpdump and arping to look at the wire.
DEBIAN_PACKAGES=(iproute2 iputils-ping ucarp keepalived tcpdump arping procps systemd)

say() { printf '%s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# Installs Deno 2.9.6 from npm into .tools when it is missing.
ensure_deno() {
  if [ -x "$DENO" ] && "$DENO" --version 2>/dev/null | grep -q '^deno 2\.9\.6 '; then
    return 0
  fi
  command -v npm >/dev/null || die "npm is needed to install Deno (apt-get install npm)"
  say "installing deno 2.9.6 from npm into .tools/"
  # npm install, not npm ci: npm 11 leaves the other platforms' optional
  # @deno/* packages out of the lock, and npm ci then refuses the lock.
  # package.json pins deno exactly, and deno pins its platform package.
  (cd "$TOOLS" && npm install --no-audit --no-fund --loglevel=error >&2) ||
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
  systemctl disable --now keepalived >/dev/null 2>&1 || true
}

# Fetches the npm packages pinned in deno.json into Deno's cache (frozen lock).
ensure_npm_cache() {
  (cd "$ROOT" && "$DENO" install --frozen >&2) ||
    die "deno install --frozen failed (deno.lock out of date?)"
}
