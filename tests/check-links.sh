#!/usr/bin/env bash
# Checks that every relative link in README.md and docs/*.md names a file or folder that exists (the part before any
# #anchor). Web links are not fetched. Prints each broken link and exits 1 if there is one.
set -uo pipefail
cd "$(dirname "$0")/.."
broken=0
checked=0
for file in README.md docs/*.md; do
  dir=$(dirname "$file")
  # Markdown links and images: ](target) or ](target "title").
  while IFS= read -r target; do
    target=${target%% *}
    case "$target" in
      http://* | https://* | mailto:* | '#'*) continue ;;
    esac
    path=${target%%#*}
    [ -n "$path" ] || continue
    checked=$((checked + 1))
    if [ ! -e "$dir/$path" ]; then
      echo "broken link in $file: $target"
      broken=$((broken + 1))
    fi
  done < <(grep -oE '\]\([^)]+\)' "$file" | sed -E 's/^\]\((.*)\)$/\1/')
done
echo "links: $checked relative links checked, $broken broken"
[ "$broken" -eq 0 ]
