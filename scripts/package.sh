#!/usr/bin/env bash
# Builds the Debian package dist/carpd_<version>_<arch>.deb with
# dpkg-deb --build --root-owner-group (no root needed):
#   - /usr/bin/carpd: one binary from deno compile (as scripts/build.sh
#     builds it) when that works; where deno compile cannot get Deno's
#     runtime (no access to dl.deno.land), the code, the pinned Deno and the
#     npm packages main.ts imports in /usr/lib/carpd, and /usr/bin/carpd a
#     wrapper running them with the permission flags of
#     scripts/lib/permissions, as scripts/install.sh does (Deno's cache:
#     /var/cache/carpd);
#   - /lib/systemd/system/carp.service (units/carp.service, ExecStart
#     /usr/bin/carpd), enabled on installation and started only once
#     /etc/carp/carp.toml passes `carpd check` (packaging/postinst);
#   - /etc/carp/carp.toml (units/carp.toml), a conffile, mode 0600;
#   - the manual pages carpd(8) and carp.toml(5) (man/), the changelog and
#     copyright (packaging/), and units/carpd-alerts.yml as an example.
# The version is src/version.ts's; packaging/changelog must have an entry
# for it. The architecture is dpkg --print-architecture's.
#
#   scripts/package.sh [--source | --binary] [--output DIR] [--fast]
#     --source  always package the code and Deno (skip deno compile)
#     --binary  only a compiled binary will do (fail otherwise)
#     --output  where the .deb goes (default dist/)
#     --fast    gzip -1 instead of xz: the same package, built in seconds
#               instead of half a minute, a third larger (the tests use it)
#
# Prints the .deb's path on stdout. Check it with: lintian dist/carpd_*.deb
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
cd "$ROOT"
umask 022

mode=auto
out="$ROOT/dist"
compress=(-Zxz)
while [ $# -gt 0 ]; do
  case "$1" in
  --source) mode=source ;;
  --binary) mode=binary ;;
  --output)
    out=${2:?--output needs a directory}
    shift
    ;;
  --fast) compress=(-Zgzip -z1) ;;
  -h | --help)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 0
    ;;
  *) die "unknown argument \"$1\" (see scripts/package.sh --help)" ;;
  esac
  shift
done

command -v dpkg-deb >/dev/null ||
  die "scripts/package.sh needs dpkg-deb to build the .deb, and it is missing.
  It comes with dpkg: build the package on Debian or a derivative
  (apt-get install dpkg), or install from source with scripts/install.sh."
command -v dpkg >/dev/null || die "dpkg is missing (needed for the architecture)"

VERSION=$(sed -n 's/^export const VERSION = "\([^"]*\)";.*$/\1/p' src/version.ts)
[ -n "$VERSION" ] || die "no VERSION found in src/version.ts"
# A native package: the version has no Debian revision.
[[ "$VERSION" =~ ^[0-9][A-Za-z0-9.+~]*$ ]] ||
  die "src/version.ts: \"$VERSION\" is not a Debian version (digits first; letters, digits, . + ~)"
ARCH=$(dpkg --print-architecture)

changelog_version=$(sed -n '1s/^carpd (\([^)]*\)).*/\1/p' packaging/changelog)
[ "$changelog_version" = "$VERSION" ] ||
  die "packaging/changelog's newest entry is for \"$changelog_version\", src/version.ts says \"$VERSION\":
  add an entry for $VERSION at the top of packaging/changelog (dch -v $VERSION -c packaging/changelog)"
# Reproducible: file times no later than the changelog entry (dpkg-deb
# clamps to SOURCE_DATE_EPOCH).
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH=$(date -d "$(sed -n 's/^ -- .*>  //p' packaging/changelog | head -n1)" +%s) ||
    die "packaging/changelog: cannot read the date of the newest entry"
  export SOURCE_DATE_EPOCH
fi

ensure_deno
ensure_npm_cache

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/carpd"
install -d -m 0755 "$root" "$root/DEBIAN"

# The program: one binary from deno compile (as scripts/build.sh builds it,
# but into the staging area: dist/carpd is left alone), else the code and
# Deno. deno compile type-checks first; only a failure to get Deno's runtime
# (denort) makes a source package.
binary=""
if [ "$mode" != source ]; then
  say "deno compile ${CARPD_PERMISSIONS[*]} main.ts"
  if "$DENO" compile "${CARPD_PERMISSIONS[@]}" --output "$work/carpd.bin" main.ts \
    >"$work/compile.log" 2>&1; then
    binary="$work/carpd.bin"
  elif [ "$mode" = binary ]; then
    cat "$work/compile.log" >&2
    die "--binary: deno compile failed (see above; scripts/build.sh explains DENORT_BIN)"
  elif grep -qE "dl\.deno\.land|denort|error sending request" "$work/compile.log"; then
    say "deno compile cannot get Deno's runtime here (dl.deno.land; see scripts/build.sh):"
    say "packaging the code and Deno $DENO_VERSION in /usr/lib/carpd instead"
  else
    cat "$work/compile.log" >&2
    die "deno compile main.ts failed (see above)"
  fi
else
  # What deno compile would have checked.
  "$DENO" check main.ts >&2 || die "deno check main.ts failed (see above)"
fi

install -d -m 0755 "$root/usr/bin" "$root/lib/systemd/system"
if [ -n "$binary" ]; then
  install -m 0755 "$binary" "$root/usr/bin/carpd"
  elf="$root/usr/bin/carpd"
  layout="binary"
else
  lib="$root/usr/lib/carpd"
  install -d -m 0755 "$lib"
  cp -R main.ts src ffi "$lib/"
  # `carpd ucarp -B` starts its copy with the same flags.
  install -D -m 0644 scripts/lib/permissions "$lib/scripts/lib/permissions"
  # Only the npm packages main.ts imports, and deno.json mapping them.
  "$DENO" run --cached-only --allow-read --allow-write --allow-run --allow-env \
    scripts/lib/vendor.ts "$lib"
  find "$lib" -type d -exec chmod 0755 {} +
  find "$lib" -type f -exec chmod 0644 {} +
  install -m 0755 "$(readlink -f "$DENO")" "$lib/deno"
  elf="$lib/deno"
  {
    echo "#!/bin/sh"
    echo "# carpd, from the Debian package: the code and Deno are in /usr/lib/carpd;"
    echo "# Deno's cache is /var/cache/carpd/deno. Nothing is downloaded at run time"
    echo "# (--cached-only)."
    echo "DENO_DIR=/var/cache/carpd/deno DENO_NO_UPDATE_CHECK=1 NO_COLOR=1 \\"
    echo "  exec /usr/lib/carpd/deno run --cached-only \\"
    echo "  --config /usr/lib/carpd/deno.json ${CARPD_PERMISSIONS[*]} \\"
    echo "  /usr/lib/carpd/main.ts \"\$@\""
  } >"$root/usr/bin/carpd"
  chmod 0755 "$root/usr/bin/carpd"
  # Under ProtectSystem=strict only the unit's cache directory is writable.
  install -d -m 0755 "$root/lib/systemd/system/carp.service.d"
  cat >"$root/lib/systemd/system/carp.service.d/source.conf" <<'CONF'
# carpd is packaged as source run by Deno: Deno keeps its compiled code in
# /var/cache/carpd (ProtectSystem=strict leaves only this writable). It is a
# cache: deleting it is harmless.
[Service]
CacheDirectory=carpd
CONF
  chmod 0644 "$root/lib/systemd/system/carp.service.d/source.conf"
  layout="source and Deno $DENO_VERSION"
fi

# The staged copy must run on its own: no cache, no home, no checkout.
probe="$work/probe"
mkdir -p "$probe"
if [ -n "$binary" ]; then
  got=$(HOME=/nonexistent "$root/usr/bin/carpd" --version) || got=""
else
  got=$(HOME=/nonexistent DENO_DIR="$probe" DENO_NO_UPDATE_CHECK=1 "$lib/deno" run \
    --cached-only --config "$lib/deno.json" "${CARPD_PERMISSIONS[@]}" \
    "$lib/main.ts" --version) || got=""
fi
[ "$got" = "carpd $VERSION" ] ||
  die "the staged carpd does not run (it printed \"$got\", expected \"carpd $VERSION\")"

# The unit, pointed at /usr/bin/carpd.
sed -e 's|/usr/local/bin/carpd|/usr/bin/carpd|g' \
  -e 's|^# carpd: CARP virtual-IP failover\. Install with scripts/install\.sh, then$|# carpd: CARP virtual-IP failover, from the carpd package. Configure /etc/carp/carp.toml, then|' \
  units/carp.service >"$root/lib/systemd/system/carp.service"
chmod 0644 "$root/lib/systemd/system/carp.service"
grep -q '^ExecStart=/usr/bin/carpd run ' "$root/lib/systemd/system/carp.service" ||
  die "units/carp.service: no ExecStart=/usr/local/bin/carpd run ... to point at /usr/bin/carpd"

# The config: a conffile that may hold a password.
install -d -m 0700 "$root/etc/carp"
install -m 0600 units/carp.toml "$root/etc/carp/carp.toml"

# Manual pages and documentation.
doc="$root/usr/share/doc/carpd"
install -d -m 0755 "$root/usr/share/man/man8" "$root/usr/share/man/man5" "$doc/examples"
gzip -9n <man/carpd.8 >"$root/usr/share/man/man8/carpd.8.gz"
gzip -9n <man/carp.toml.5 >"$root/usr/share/man/man5/carp.toml.5.gz"
# A native package: changelog.gz (changelog.Debian.gz is for a revision).
gzip -9n <packaging/changelog >"$doc/changelog.gz"
install -m 0644 packaging/copyright "$doc/copyright"
install -m 0644 units/carpd-alerts.yml "$doc/examples/carpd-alerts.yml"
chmod 0644 "$root/usr/share/man/man8/carpd.8.gz" "$root/usr/share/man/man5/carp.toml.5.gz" \
  "$doc/changelog.gz"
install -d -m 0755 "$root/usr/share/lintian/overrides"
sed "s|@ELF@|${elf#"$root/"}|g" packaging/lintian-overrides >"$root/usr/share/lintian/overrides/carpd"
chmod 0644 "$root/usr/share/lintian/overrides/carpd"

# Depends: the libraries the executable links (dpkg-shlibdeps from
# dpkg-dev); carpd reaches libc through FFI (libc6 covers it) and nothing
# else: addresses and links go through rtnetlink, not iproute2. procps
# provides /bin/kill, the unit's ExecReload.
depends=""
if command -v dpkg-shlibdeps >/dev/null; then
  mkdir -p "$work/shlibs/debian"
  printf 'Source: carpd\n\nPackage: carpd\nArchitecture: any\n' >"$work/shlibs/debian/control"
  depends=$(cd "$work/shlibs" && dpkg-shlibdeps -O "$elf" 2>/dev/null |
    sed -n 's/^shlibs:Depends=//p') || depends=""
fi
if [ -z "$depends" ]; then
  # What dpkg-shlibdeps finds for Deno 2.9 on bookworm.
  depends="libc6 (>= 2.34), libgcc-s1 (>= 3.3)"
  say "warning: dpkg-shlibdeps (dpkg-dev) unavailable or failed; Depends: $depends"
fi
depends="$depends, procps"

install -m 0644 packaging/conffiles "$root/DEBIAN/conffiles"
for s in postinst prerm postrm; do
  install -m 0755 "packaging/$s" "$root/DEBIAN/$s"
done
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | LC_ALL=C sort |
  grep -vxF -f <(sed 's|^/||' DEBIAN/conffiles) | tr '\n' '\0' | xargs -0 md5sum) \
  >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@INSTALLED_SIZE@/$size/" \
  -e "s/@DEPENDS@/$depends/" packaging/control >"$root/DEBIAN/control"
chmod 0644 "$root/DEBIAN/control"
if grep -q '@[A-Z_]*@' "$root/DEBIAN/control"; then
  die "packaging/control: a placeholder was left unfilled"
fi

mkdir -p "$out"
deb="$out/carpd_${VERSION}_${ARCH}.deb"
rm -f "$deb"
dpkg-deb --build --root-owner-group "${compress[@]}" "$root" "$deb" >/dev/null
say "built $deb ($(du -h "$deb" | cut -f1), $layout; Depends: $depends)"
printf '%s\n' "$deb"
