#!/usr/bin/env bash
# Print the Debian mirror this machine's apt uses (the URI of its first enabled `deb` source
# of a Debian suite with the main component, not the security archive), read from /etc/apt/sources.list, then
# /etc/apt/sources.list.d/*.list (one-line format) and *.sources (deb822), in apt's order.
# Reads only; prints http://deb.debian.org/debian, and says so on stderr, when none is found.
#
# Environment:
#   APT_ETC   apt's configuration directory (default /etc/apt; tests point it at fake trees)
set -euo pipefail
export LC_ALL=C

etc="${APT_ETC:-/etc/apt}"
fallback="http://deb.debian.org/debian"
# Debian's suites (codenames and aliases), bare or with -updates/-backports: other vendors' repositories also say "main".
suites='^(buster|bullseye|bookworm|trixie|forky|duke|sid|oldoldstable|oldstable|stable|testing|unstable)(-updates|-backports)?$'

# One-line format: `deb [options] URI suite components...`; comments and deb-src skipped.
from_list() {
  sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$1" | awk -v debian="$suites" '
    $1 == "deb" && NF >= 4 && $2 !~ /security/ && $3 ~ debian {
      for (i = 4; i <= NF; i++) if ($i == "main") { print $2; exit }
    }'
}

# deb822: stanzas of `Field: value` separated by blank lines; Enabled: no stanzas skipped.
from_sources() {
  # A comment line is no line at all (it must not end a stanza).
  sed -e '/^[ \t]*#/d' -e 's/[ \t]#.*//' "$1" | awk -v debian="$suites" '
    function debianSuite(list,   n, i, s) {
      n = split(list, s, /[ \t]+/)
      for (i = 1; i <= n; i++) if (s[i] ~ debian) return 1
      return 0
    }
    function flush() {
      if (types ~ /(^| )deb( |$)/ && enabled != "no" && uri != "" && uri !~ /security/ && debianSuite(suites) && comps ~ /(^| )main( |$)/) { print uri; found = 1; exit }
      types = ""; uri = ""; suites = ""; comps = ""; enabled = ""
    }
    /^[ \t]*$/ { flush(); next }
    { line = $0; sub(/^[^:]*:[ \t]*/, "", line) }
    tolower($1) == "types:" { types = line }
    tolower($1) == "uris:" { split(line, u, /[ \t]+/); uri = u[1] }
    tolower($1) == "suites:" { suites = line }
    tolower($1) == "components:" { comps = line }
    tolower($1) == "enabled:" { enabled = tolower(line) }
    END { if (!found) flush() }'
}

files=()
[ -f "$etc/sources.list" ] && files+=("$etc/sources.list")
if [ -d "$etc/sources.list.d" ]; then
  while IFS= read -r file; do files+=("$file"); done < <(find "$etc/sources.list.d" -maxdepth 1 -type f \( -name '*.list' -o -name '*.sources' \) | sort)
fi

for file in "${files[@]}"; do
  case "$file" in
    *.sources) mirror="$(from_sources "$file")" ;;
    *) mirror="$(from_list "$file")" ;;
  esac
  if [ -n "$mirror" ]; then
    printf '%s\n' "${mirror%/}"
    exit 0
  fi
done
printf '[debian-mirror] no Debian main archive in %s/sources.list{,.d}: using %s\n' "$etc" "$fallback" >&2
printf '%s\n' "$fallback"
