#!/bin/sh
# Writes a help2man include section, [SUBCOMMANDS], from a CLI11 command's own help: for each
# subcommand that `COMMAND --help` lists, its usage line, its description and its positionals and
# options from `COMMAND SUBCOMMAND --help` (cmake/ManPages.cmake, for xdplbctl(8)). The page then
# shows every subcommand's options without a copy of them to keep in step.
#   subcommands.sh COMMAND > FILE.h2m
set -eu
command=$1
name=$(basename "$command")
# roff: a backslash is \e, a leading dot or quote must not start a request, '-' is \- in options.
roff() { sed -e 's/\\/\\e/g' -e 's/^\([.'"'"']\)/\\\&\1/'; }

printf '[SUBCOMMANDS]\n'
"$command" --help | sed -n '/^Subcommands:/,/^[^ ]/s/^  \([a-z][a-z0-9-]*\) .*/\1/p' |
while read -r sub; do
  help=$("$command" "$sub" --help)
  usage=$(printf '%s\n' "$help" | sed -n 's/^Usage: //p' | sed "s|^[^ ]*$name|$name|")
  printf '.SS "%s"\n' "$(printf '%s' "$usage" | sed 's/-/\\-/g')"
  printf '%s\n' "$help" | sed -n '1p' | roff
  # Positionals and options (not --help): "  NAME ARG   text" with continuation lines indented deeper.
  printf '%s\n' "$help" | awk '
    /^(Positionals|Options):/ { in_list = 1; next }
    /^[^ ]/ { in_list = 0 }
    !in_list || NF == 0 { next }
    /^  [^ ]/ {
      if (open) print ""
      line = substr($0, 3)
      split(line, parts, /  +/)
      open = (parts[1] !~ /(^|,)--help( |$)/)
      if (!open) next
      gsub(/-/, "\\-", parts[1])
      printf ".TP\n\\fB%s\\fR\n", parts[1]
      text = substr(line, length(parts[1]) + 1)
      sub(/^ +/, "", text)
      if (text != "") printf "%s", text
      next
    }
    open { t = $0; sub(/^ +/, "", t); printf "%s%s", (length(text) ? " " : ""), t; text = text t }
    END { if (open) print "" }'
done
