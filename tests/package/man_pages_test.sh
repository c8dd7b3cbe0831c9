#!/usr/bin/env bash
# Renders each built man page with `man -l` and checks a heading and a keyword of each.
#   man_pages_test.sh MAN_DIR
set -euo pipefail
dir=$1
status=0

check() {  # PAGE TEXT...: the rendered page holds every TEXT (a fixed string)
  local page=$dir/$1 rendered
  shift
  if ! rendered=$(MANWIDTH=80 man -l "$page" 2>/dev/null) || [ -z "$rendered" ]; then
    echo "FAIL: man -l $page renders nothing" >&2
    status=1
    return
  fi
  for text in "$@"; do
    grep -qF -- "$text" <<<"$rendered" || { echo "FAIL: $page: no \"$text\" in the rendered page" >&2; status=1; }
  done
  # Markup that leaked into the text (an escape pandoc or help2man did not translate).
  if grep -nE '\\f[BIRP]|^\.(SH|TP|PP) ' <<<"$rendered" >&2; then
    echo "FAIL: $page: roff markup in the rendered text" >&2
    status=1
  fi
}

check xdplbd.8 "XDPLBD(8)" NAME SYNOPSIS OPTIONS "SEE ALSO" "--config-test" "--keep-pins" "xdplb.conf(5)"
check xdplbctl.8 "XDPLBCTL(8)" NAME OPTIONS "EXIT STATUS" "drain" "--instance" "xdplbd(8)"
check xdplb.conf.5 "XDPLB.CONF(5)" NAME DESCRIPTION GLOBAL_DEFS "VRRP_INSTANCE NAME" "DIFFERENCES FROM KEEPALIVED" \
  "virtual_router_id" "xdp_conntrack_size" "lb_kind NAT" "SEE ALSO"
[ $status -eq 0 ] && echo "man pages render: xdplbd(8) xdplbctl(8) xdplb.conf(5)"
exit $status
