#!/usr/bin/env bash
# Tests the bash completion (conf/bash-completion/xdplb) against the real binaries: what it offers
# must be what their --help lists (read here independently of the completion's own parsing), and
# instance names, real servers and VIPs come from the sockets and from `xdplbctl list --json`.
#   completion_test.sh COMPLETION_FILE XDPLBCTL XDPLBD
set -uo pipefail
completion=$1 real_ctl=$2 real_daemon=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0

# xdplbctl and xdplbd on PATH: the real binaries, except that `list --json` answers a canned list
# (no agent runs here) and records the arguments it was given.
mkdir -p "$work/bin" "$work/run"
cat >"$work/bin/xdplbctl" <<WRAPPER
#!/usr/bin/env bash
if [[ " \$* " == *" list "* && " \$* " == *" --json "* ]]; then
  printf '%s\n' "\$*" >"$work/list-args"
  cat <<'JSON'
{"version":"0.1.0","virtual_servers":[{"vip":"tcp/198.18.0.100:80","backends":[{"backend":"198.18.0.11:80","drained":false},
{"backend":"198.18.0.12:80","drained":true}]},{"vip": "tcp/[fd00::100]:80","backends":[{"backend": "[fd00::11]:80"}]}]}
JSON
  exit 0
fi
exec "$real_ctl" "\$@"
WRAPPER
ln -s "$real_daemon" "$work/bin/xdplbd"
chmod +x "$work/bin/xdplbctl"
# Two instances with a socket, and a stale file that is not one.
/usr/bin/python3 - "$work/run" <<'PY'
import socket, sys
for name in ("xdplb", "edge"):
    socket.socket(socket.AF_UNIX).bind(f"{sys.argv[1]}/{name}.sock")
PY
touch "$work/run/old.sock"
export PATH="$work/bin:$PATH" XDPLB_RUN_DIR="$work/run"

# The candidates offered for LINE (the cursor at its end), one a line, sorted, as bash would see
# them with its default COMP_WORDBREAKS (':' among them).
complete_line() {
  bash -c '
    source "$1"
    COMP_WORDBREAKS=$'"'"' \t\n"\x27><=;|&(:'"'"'
    COMP_LINE=$2 COMP_POINT=${#2}
    read -r -a COMP_WORDS <<<"$2"; [[ $2 == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    case $2 in xdplbd*) _xdplbd ;; *) _xdplbctl ;; esac
    printf "%s\n" "${COMPREPLY[@]}"' _ "$completion" "$1" | sed '/^$/d' | sort
}

expect() {  # LINE EXPECTED (newline-separated, any order): exactly these candidates
  local got want
  got=$(complete_line "$1")
  want=$(printf '%s\n' "$2" | sed '/^$/d' | sort)
  if [[ $got != "$want" ]]; then
    printf 'FAIL: completing "%s"\n  expected: %s\n  got:      %s\n' "$1" "$(echo $want)" "$(echo $got)" >&2
    status=1
  fi
}

expect_includes() {  # LINE WORD...: at least these candidates
  local got line=$1
  got=$(complete_line "$line")
  shift
  for word in "$@"; do
    grep -qxF -- "$word" <<<"$got" || { printf 'FAIL: completing "%s": no %s among: %s\n' "$line" "$word" "$(echo $got)" >&2; status=1; }
  done
}

# Subcommands: exactly the Subcommands section of `xdplbctl --help`, and at least the ones this
# test knows (a completion that lists nothing would otherwise pass).
help_subcommands=$("$real_ctl" --help | awk '/^Subcommands:/ {s = 1; next} /^[^ ]/ {s = 0} s && NF {print $1}')
expect "xdplbctl " "$help_subcommands"
expect_includes "xdplbctl " status list stats reload verify drain undrain
expect "xdplbctl st" "$(grep '^st' <<<"$help_subcommands")"

# Options: those of --help, globally and per subcommand (global ones are accepted after it too).
# Every long name of an option line ("-p,--pid-file,--pid TEXT": both).
help_options() {
  awk '/^Options:/ {o = 1; next} /^[^ ]/ {o = 0} o && $1 ~ /^-/ {n = split($1, f, ","); for (i = 1; i <= n; i++) print f[i]}' |
    sed 's/[ =].*//' | grep -E '^--'
}
expect "xdplbctl --" "$("$real_ctl" --help | help_options)"
expect_includes "xdplbctl --" --instance --socket --json --timeout --help --version
expect "xdplbctl stats --" "$( ("$real_ctl" stats --help; "$real_ctl" --help) | help_options | sort -u)"
expect_includes "xdplbctl stats --" --rate --json
expect_includes "xdplbctl drain 198.18.0.11:80 --" --vip --json

# Instance names: the sockets of the run directory.
expect "xdplbctl --instance " "$(printf 'edge\nxdplb\n')"
expect "xdplbctl --instance e" edge

# Real servers from the chosen instance's list; ADDRESS:PORT across bash's ':' word break.
expect "xdplbctl drain " "$(printf '198.18.0.11:80\n198.18.0.12:80\n[fd00::11]:80\n')"
expect "xdplbctl undrain 198.18.0.1" "$(printf '198.18.0.11:80\n198.18.0.12:80\n')"
expect "xdplbctl drain 198.18.0.11:" "80"
expect "xdplbctl drain 198.18.0.11:80 " ""
expect "xdplbctl drain 198.18.0.11:80 --vip " "$(printf 'tcp/198.18.0.100:80\ntcp/[fd00::100]:80\n')"
rm -f "$work/list-args"
complete_line "xdplbctl --instance edge drain " >/dev/null
grep -q -- '--instance edge' "$work/list-args" 2>/dev/null ||
  { echo "FAIL: drain's candidates were not asked of the chosen instance (list got: $(cat "$work/list-args" 2>/dev/null))" >&2; status=1; }

# xdplbd: its options, and the words of --xdp-mode.
expect "xdplbd --" "$("$real_daemon" --help | help_options)"
expect_includes "xdplbd --" --config-test --use-file --interface --xdp-mode --keep-pins --instance --metrics-listen
expect "xdplbd --xdp-mode " "$(printf 'native\ngeneric\nbest\n')"
expect "xdplbd --instance " "$(printf 'edge\nxdplb\n')"
expect_includes "xdplbd --interface " lo

[ $status -eq 0 ] && echo "bash completion: xdplbctl and xdplbd offer what their --help lists"
exit $status
