#!/usr/bin/env bash
# `cmake --install` of an existing build, with the configured prefix and with --prefix /usr, into a
# scratch DESTDIR: the unit it writes names the agent where that install put it, passes
# `systemd-analyze verify`, and the files beside it are where the unit and the docs say.
#   install_prefix_test.sh BUILD_DIR
set -uo pipefail
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
fail() { echo "FAIL: $*" >&2; status=1; }

configured_prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
for prefix in "$configured_prefix" /usr /opt/xdplb; do
  root=$work/root${prefix//\//_}
  if ! DESTDIR=$root cmake --install "$build" ${prefix:+--prefix "$prefix"} >"$work/install.log" 2>&1; then
    cat "$work/install.log" >&2
    fail "cmake --install --prefix $prefix"
    continue
  fi
  unit=$root$prefix/lib/systemd/system/xdplbd.service
  [ -x "$root$prefix/sbin/xdplbd" ] || fail "prefix $prefix: no $prefix/sbin/xdplbd"
  [ -x "$root$prefix/sbin/xdplbctl" ] || fail "prefix $prefix: no $prefix/sbin/xdplbctl"
  [ -f "$unit" ] || { fail "prefix $prefix: no unit at $unit"; continue; }
  grep -qx "ExecStart=$prefix/sbin/xdplbd --dont-fork --log-console -f /etc/xdplb/xdplb.conf \$XDPLBD_OPTS" "$unit" ||
    fail "prefix $prefix: ExecStart does not name $prefix/sbin/xdplbd: $(grep '^ExecStart=' "$unit")"
  if grep -nE '@[A-Z_]+@' "$unit"; then fail "prefix $prefix: unsubstituted @VARIABLE@ in the unit"; fi
  if [ "$(grep -c "^Exec[A-Za-z]*=$prefix/sbin/xdplbd " "$unit")" -ne 3 ]; then
    fail "prefix $prefix: ExecStartPre/ExecStart/ExecReload do not all name $prefix/sbin/xdplbd"
  fi
  grep -qx 'ConditionFileNotEmpty=/etc/xdplb/xdplb.conf' "$unit" || fail "prefix $prefix: no ConditionFileNotEmpty"
  grep -qx 'EnvironmentFile=-/etc/default/xdplbd' "$unit" || fail "prefix $prefix: no EnvironmentFile"
  [ -f "$root/etc/default/xdplbd" ] || fail "prefix $prefix: no /etc/default/xdplbd"
  if grep -vE '^(#|$)' "$root/etc/default/xdplbd"; then fail "/etc/default/xdplbd sets something"; fi
  completions=$root$prefix/share/bash-completion/completions
  [ -f "$completions/xdplbctl" ] && [ "$(readlink "$completions/xdplbd")" = xdplbctl ] ||
    fail "prefix $prefix: bash completion not installed as xdplbctl + xdplbd -> xdplbctl"
  ls "$root$prefix/share/doc/xdplb/examples/"*.conf >/dev/null 2>&1 || fail "prefix $prefix: no examples"
  if [ -d "$build/man" ]; then
    for page in man8/xdplbd.8 man8/xdplbctl.8 man5/xdplb.conf.5; do
      [ -f "$root$prefix/share/man/$page" ] || fail "prefix $prefix: no man page $page"
    done
  fi
  # The unit as systemd reads it, with the agent it names present under the same root (and the
  # host's targets and slices, which it refers to). Man pages are checked by their own test.
  # systemd-analyze is part of systemd, which tools/setup.sh installs: its absence is a failure.
  if ! command -v systemd-analyze >/dev/null; then
    fail "systemd-analyze is missing (apt-get install systemd)"
  else
    mkdir -p "$root/etc/systemd/system"
    cp /lib/systemd/system/*.target /lib/systemd/system/*.slice "$root/etc/systemd/system/"
    # systemd reads units under /usr/lib and /usr/local/lib; from another prefix the operator
    # copies (or `systemctl link`s) the unit to /etc/systemd/system, as docs/install.md says.
    case $prefix in
      /usr | /usr/local) ;;
      *) cp "$unit" "$root/etc/systemd/system/" && unit=$root/etc/systemd/system/xdplbd.service ;;
    esac
    if ! out=$(systemd-analyze verify --man=no --root="$root" "$unit" 2>&1) || [ -n "$out" ]; then
      fail "prefix $prefix: systemd-analyze verify: $out"
    fi
  fi
done
[ $status -eq 0 ] && echo "cmake --install: the unit names PREFIX/sbin/xdplbd for $configured_prefix, /usr and /opt/xdplb; it verifies"
exit $status
