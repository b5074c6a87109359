#!/usr/bin/env bash
# Installs carpd on this machine:
#   - dist/carpd (from scripts/build.sh) as $PREFIX/bin/carpd, or, when there
#     is no binary, the source in $PREFIX/lib/carpd with Deno and the npm
#     packages, and $PREFIX/bin/carpd -> its scripts/carpd (same flags);
#   - units/carp.service in /etc/systemd/system (a drop-in adds what a source
#     install needs);
#   - units/carp.toml as /etc/carp/carp.toml, mode 0600, never overwriting
#     an existing config.
# Then: edit /etc/carp/carp.toml, carpd check, systemctl enable --now carp.service
#
#   scripts/install.sh [--prefix /usr/local]      (DESTDIR=... stages into a directory)
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

PREFIX=/usr/local
if [ "${1:-}" = "--prefix" ]; then PREFIX=${2:?a directory}; fi
DEST=${DESTDIR:-}
[ -n "$DEST" ] || [ "$(id -u)" -eq 0 ] || die "run as root (or set DESTDIR to stage the files)"

bin="$DEST$PREFIX/bin"
unitdir="$DEST/etc/systemd/system"
confdir="$DEST/etc/carp"
install -d -m 0755 "$bin" "$unitdir"
install -d -m 0700 "$confdir"

if [ -x "$ROOT/dist/carpd" ]; then
  install -m 0755 "$ROOT/dist/carpd" "$bin/carpd"
  say "installed $PREFIX/bin/carpd (binary)"
  rm -f "$unitdir/carp.service.d/source.conf"
else
  lib="$DEST$PREFIX/lib/carpd"
  cache="$DEST/var/cache/carpd/deno"
  install -d -m 0755 "$lib" "$lib/.tools" "$cache"
  rm -rf "$lib/src" "$lib/ffi" "$lib/scripts" "$lib/units"
  cp -R "$ROOT/main.ts" "$ROOT/deno.json" "$ROOT/deno.lock" "$ROOT/src" "$ROOT/ffi" "$ROOT/scripts" "$ROOT/units" "$lib/"
  cp "$ROOT/.tools/package.json" "$ROOT/.tools/package-lock.json" "$lib/.tools/"
  if [ -x "$ROOT/.tools/node_modules/.bin/deno" ]; then
    rm -rf "$lib/.tools/node_modules"
    cp -R "$ROOT/.tools/node_modules" "$lib/.tools/"
  else
    (cd "$lib/.tools" && npm install --no-audit --no-fund --loglevel=error >&2)
  fi
  (cd "$lib" && DENO_DIR="$cache" "$lib/.tools/node_modules/.bin/deno" install --frozen >&2)
  ln -sfn "$PREFIX/lib/carpd/scripts/carpd" "$bin/carpd"
  install -d -m 0755 "$unitdir/carp.service.d"
  cat >"$unitdir/carp.service.d/source.conf" <<CONF
# Written by scripts/install.sh for a source install: Deno's cache of the
# npm packages lives here (ProtectSystem=strict leaves only this writable).
[Service]
CacheDirectory=carpd
Environment=DENO_DIR=/var/cache/carpd/deno
CONF
  say "installed $PREFIX/bin/carpd -> $PREFIX/lib/carpd/scripts/carpd (source, Deno $("$lib/.tools/node_modules/.bin/deno" --version | head -n1 | cut -d' ' -f2))"
fi

sed "s|/usr/local/bin/carpd|$PREFIX/bin/carpd|" "$ROOT/units/carp.service" >"$unitdir/carp.service"
chmod 0644 "$unitdir/carp.service"
say "installed /etc/systemd/system/carp.service"

if [ -e "$confdir/carp.toml" ]; then
  say "kept the existing /etc/carp/carp.toml"
else
  install -m 0600 "$ROOT/units/carp.toml" "$confdir/carp.toml"
  say "installed /etc/carp/carp.toml (mode 0600): edit it, then: carpd check"
fi

if [ -z "$DEST" ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  say "next: carpd check && systemctl enable --now carp.service && carpd status"
fi
