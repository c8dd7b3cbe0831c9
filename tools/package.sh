#!/usr/bin/env bash
# Builds the Debian package of xdplb: xdplb_<version>_<arch>.deb, and xdplb-dbgsym_<version>_<arch>.deb
# with the debug symbols of its binaries (by build id, under /usr/lib/debug/.build-id/).
#
#   tools/package.sh                          configure and build build-package/ (with ccache when it is
#                                             installed), then package it
#   XDPLB_BUILD_DIR=build tools/package.sh    package an existing build: `cmake --install` of it with
#                                             prefix /usr (a build that is up to date compiles nothing)
#   OUT=DIR                                   where the packages go (default build-package/)
#
# Underneath: cmake --install into a staging root, strip with the symbols split off, dpkg-shlibdeps
# for Depends, dpkg-deb. Needs dpkg-dev, binutils and, for the man pages, help2man and pandoc
# (tools/setup.sh installs them). Prints the path of each package made.
set -euo pipefail
# Relative paths in XDPLB_BUILD_DIR and OUT are the caller's.
build=$(realpath -m "${XDPLB_BUILD_DIR:-$(dirname "$0")/../build-package}")
out=$(realpath -m "${OUT:-$(dirname "$0")/../build-package}")
cd "$(dirname "$0")/.."
source_dir=$PWD
maintainer=${XDPLB_MAINTAINER:-xdplb developers <devel@xdplb.invalid>}

if [ -z "${XDPLB_BUILD_DIR:-}" ]; then
  launcher=()
  if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  fi
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXDPLB_BUILD_TESTS=OFF "${launcher[@]}" >/dev/null
fi
[ -f "$build/CMakeCache.txt" ] || { echo "package.sh: $build is not a configured build directory" >&2; exit 1; }
# Only what the package holds; in a build that is up to date this is a no-op.
cmake --build "$build" --target xdplbd xdplbctl -j"$(nproc)" >/dev/null
if grep -q '^HELP2MAN_EXECUTABLE:FILEPATH=/' "$build/CMakeCache.txt" &&
   grep -q '^PANDOC_EXECUTABLE:FILEPATH=/' "$build/CMakeCache.txt"; then
  cmake --build "$build" --target man >/dev/null
else
  echo "package.sh: help2man or pandoc missing when $build was configured: the package would have no man pages" >&2
  exit 1
fi

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
arch=$(dpkg --print-architecture)
stage=$(mktemp -d "${TMPDIR:-/tmp}/xdplb-package.XXXXXX")
trap 'rm -rf "$stage"' EXIT
trap 'exit 1' INT TERM HUP
# dpkg-shlibdeps' layout: debian/control and each package's tree under debian/.
root=$stage/debian/xdplb
dbg=$stage/debian/xdplb-dbgsym
mkdir -p "$stage/debian"
printf 'Source: xdplb\n\nPackage: xdplb\nArchitecture: any\n\nPackage: xdplb-dbgsym\nArchitecture: any\n' \
  >"$stage/debian/control"

DESTDIR=$root cmake --install "$build" --prefix /usr >/dev/null
# Debian 12 ships units in /lib/systemd/system (bookworm does not move files from / to /usr).
mkdir -p "$root/lib/systemd"
mv "$root/usr/lib/systemd/system" "$root/lib/systemd/system"
rmdir "$root/usr/lib/systemd" "$root/usr/lib" 2>/dev/null || true
# Where the configuration goes (created by the operator; the package does not ship one).
mkdir -p "$root/etc/xdplb"
gzip -9n "$root"/usr/share/man/man*/*
# Debian's changelog, one entry: which commit of the sources this package was made from (a build
# with uncommitted changes says so), and when.
commit=$(git -C "$source_dir" describe --always --dirty 2>/dev/null || echo unknown)
{
  printf 'xdplb (%s) unstable; urgency=medium\n\n' "$version"
  printf '  * Built by tools/package.sh from %s (commit %s).\n\n' "$build" "$commit"
  printf ' -- %s  %s\n' "$maintainer" "$(date -R)"
} | gzip -9n >"$root/usr/share/doc/xdplb/changelog.Debian.gz"

# Debug symbols: split off by build id, then the binaries stripped as dh_strip does.
build_ids=()
for binary in "$root"/usr/sbin/*; do
  id=$(readelf -n "$binary" | sed -n 's/^ *Build ID: *//p')
  [ -n "$id" ] || { echo "package.sh: $binary has no build id" >&2; exit 1; }
  debug_file=$dbg/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug
  mkdir -p "$(dirname "$debug_file")"
  objcopy --only-keep-debug --compress-debug-sections "$binary" "$debug_file"
  chmod 0644 "$debug_file"
  strip --remove-section=.comment --remove-section=.note --strip-unneeded "$binary"
  objcopy --add-gnu-debuglink="$debug_file" "$binary"
  build_ids+=("$id")
done

# Depends: the shared libraries the binaries link, as dpkg-shlibdeps finds their packages (it
# recognises a package's tree by its DEBIAN directory).
mkdir -p "$root/DEBIAN" "$dbg/DEBIAN"
depends=$(cd "$stage" && dpkg-shlibdeps -O debian/xdplb/usr/sbin/* | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "package.sh: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
# The unit's ExecReload= runs /bin/kill, which is procps' (priority important, not essential).
depends="$depends, procps"

installed_size() { du -sk --exclude=DEBIAN "$1" | cut -f1; }
cat >"$root/DEBIAN/control" <<EOF
Package: xdplb
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $(installed_size "$root")
Depends: $depends
Suggests: bpftool
Section: net
Priority: optional
Description: keepalived-compatible load balancer with an XDP data plane
 xdplb keeps keepalived's control plane - its configuration language, VRRP v2/v3,
 the health checkers, notify scripts - and puts an XDP program where IPVS was.
 The agent, xdplbd, reads a keepalived.conf, runs the elections and checkers and
 programs the BPF maps of its XDP program; xdplbctl shows and steers it.
 .
 The service starts once /etc/xdplb/xdplb.conf exists and is not empty.
EOF
echo /etc/default/xdplbd >"$root/DEBIAN/conffiles"
# As dh_md5sums: every file but the conffiles (dpkg keeps their sums itself), for dpkg --verify.
(cd "$root" && find . -type f ! -path './DEBIAN/*' ! -path './etc/*' -printf '%P\0' | LC_ALL=C sort -z |
  xargs -0 md5sum) >"$root/DEBIAN/md5sums"
install -m 0755 "$source_dir/tools/package/postinst" "$source_dir/tools/package/prerm" \
  "$source_dir/tools/package/postrm" "$root/DEBIAN/"

cat >"$dbg/DEBIAN/control" <<EOF
Package: xdplb-dbgsym
Source: xdplb
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $(installed_size "$dbg")
Depends: xdplb (= $version)
Section: debug
Priority: optional
Auto-Built-Package: debug-symbols
Build-Ids: ${build_ids[*]}
Description: debug symbols for xdplb
EOF

mkdir -p "$out"
deb=$out/xdplb_${version}_${arch}.deb
dbgsym=$out/xdplb-dbgsym_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
# The debug sections are compressed already.
dpkg-deb --root-owner-group -Zgzip -z1 --build "$dbg" "$dbgsym" >/dev/null
echo "$deb"
echo "$dbgsym"
