#!/usr/bin/env bash
# Renders each built man page with `man --warnings -l` (no warning may be printed) and checks
# headings and keywords of each.
#   man_pages_test.sh MAN_DIR
set -euo pipefail
dir=$1
status=0

warnings=$(mktemp)
trap 'rm -f "$warnings"' EXIT

check() {  # PAGE TEXT...: the page renders without a warning and holds every TEXT (a fixed string)
  local page=$dir/$1 rendered
  shift
  if ! rendered=$(MANWIDTH=80 man --warnings -l "$page" 2>"$warnings") || [ -z "$rendered" ]; then
    echo "FAIL: man -l $page renders nothing" >&2
    cat "$warnings" >&2
    status=1
    return
  fi
  # groff's and tbl's warnings (a line it cannot adjust, a table wider than the page, an unknown
  # request): the page is not what its source means.
  if [ -s "$warnings" ]; then
    echo "FAIL: man --warnings -l $page warns:" >&2
    cat "$warnings" >&2
    status=1
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
check xdplbctl.8 "XDPLBCTL(8)" NAME OPTIONS "EXIT STATUS" "drain" "--instance" "xdplbd(8)" \
  SUBCOMMANDS "xdplbctl drain [OPTIONS] BACKEND" "--rate" "--vip TEXT:VIP"
check xdplb.conf.5 "XDPLB.CONF(5)" NAME DESCRIPTION GLOBAL_DEFS "VRRP_INSTANCE NAME" "DIFFERENCES FROM KEEPALIVED" \
  "virtual_router_id" "xdp_conntrack_size" "lb_kind NAT" "SEE ALSO"
[ $status -eq 0 ] && echo "man pages render: xdplbd(8) xdplbctl(8) xdplb.conf(5)"
exit $status
