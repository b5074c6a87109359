#!/usr/bin/env bash
# Installs carpd on this machine:
#   - dist/carpd (from scripts/build.sh) as $PREFIX/bin/carpd; or, when there
#     is no binary, from source: the code, the pinned Deno and the npm
#     packages main.ts imports (not the test-only ones) in $PREFIX/lib/carpd,
#     and $PREFIX/bin/carpd, a wrapper that runs it with the permission flags
#     of scripts/lib/permissions, its own Deno cache (/var/cache/carpd) and
#     never the network, whoever calls it;
#   - units/carp.service in /etc/systemd/system (a drop-in adds what a source
#     install needs);
#   - units/carp.toml as /etc/carp/carp.toml, mode 0600, never overwriting
#     an existing config.
# Then: edit /etc/carp/carp.toml, carpd check, systemctl enable --now carp.service
#
# Works offline from a prepared checkout (Deno and the packages in .tools/).
#
#   scripts/install.sh [--prefix /usr/local]      (DESTDIR=... stages into a directory)
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

PREFIX=/usr/local
if [ "${1:-}" = "--prefix" ]; then PREFIX=${2:?a directory}; fi
DEST=${DESTDIR:-}
[ -n "$DEST" ] || [ "$(id -u)" -eq 0 ] || die "run as root (or set DESTDIR to stage the files)"

bin="$DEST$PREFIX/bin"
lib="$DEST$PREFIX/lib/carpd"
unitdir="$DEST/etc/systemd/system"
confdir="$DEST/etc/carp"
install -d -m 0755 "$bin" "$unitdir"
install -d -m 0700 "$confdir"

if [ -x "$ROOT/dist/carpd" ]; then
  rm -f "$bin/carpd"
  install -m 0755 "$ROOT/dist/carpd" "$bin/carpd"
  rm -rf "$lib" "$unitdir/carp.service.d/source.conf"
  say "installed $PREFIX/bin/carpd (binary)"
else
  ensure_deno
  ensure_npm_cache
  rm -rf "$lib"
  install -d -m 0755 "$lib"
  cp -R "$ROOT/main.ts" "$ROOT/src" "$ROOT/ffi" "$lib/"
  # `carpd ucarp -B` starts its copy with the same flags.
  install -D -m 0644 "$ROOT/scripts/lib/permissions" "$lib/scripts/lib/permissions"
  install -m 0755 "$(readlink -f "$DENO")" "$lib/deno"
  "$DENO" run --cached-only --allow-read --allow-write --allow-run --allow-env \
    "$ROOT/scripts/lib/vendor.ts" "$lib"
  install -d -m 0755 "$DEST/var/cache/carpd"
  rm -f "$bin/carpd"
  {
    echo "#!/bin/sh"
    echo "# carpd, installed from source by scripts/install.sh: the code and Deno"
    echo "# are in $PREFIX/lib/carpd; Deno's cache is /var/cache/carpd/deno."
    echo "# Nothing is downloaded at run time (--cached-only)."
    echo "DENO_DIR=/var/cache/carpd/deno DENO_NO_UPDATE_CHECK=1 NO_COLOR=1 \\"
    echo "  exec $PREFIX/lib/carpd/deno run --cached-only \\"
    echo "  --config $PREFIX/lib/carpd/deno.json ${CARPD_PERMISSIONS[*]} \\"
    echo "  $PREFIX/lib/carpd/main.ts \"\$@\""
  } >"$bin/carpd"
  chmod 0755 "$bin/carpd"
  # The copy must run on its own, with no cache and no home directory.
  probe=$(mktemp -d)
  if ! HOME=/nonexistent DENO_DIR="$probe" "$lib/deno" run --cached-only \
    --config "$lib/deno.json" "${CARPD_PERMISSIONS[@]}" "$lib/main.ts" --version >/dev/null; then
    rm -rf "$probe"
    die "the installed copy in $lib does not run"
  fi
  rm -rf "$probe"
  install -d -m 0755 "$unitdir/carp.service.d"
  cat >"$unitdir/carp.service.d/source.conf" <<CONF
# Written by scripts/install.sh for a source install: Deno keeps its compiled
# code here (ProtectSystem=strict leaves only this writable). It is a cache:
# deleting it is harmless.
[Service]
CacheDirectory=carpd
CONF
  say "installed $PREFIX/bin/carpd (source in $PREFIX/lib/carpd, Deno $DENO_VERSION)"
fi

# The unit's Documentation= names these.
install -D -m 0644 "$ROOT/man/carpd.8" "$DEST$PREFIX/share/man/man8/carpd.8"
install -D -m 0644 "$ROOT/man/carp.toml.5" "$DEST$PREFIX/share/man/man5/carp.toml.5"
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
