#!/usr/bin/env bash
# Adds every public symbol the PublicApiAnalyzers report as undeclared (RS0016) to the
# project's PublicAPI.Unshipped.txt. Run it after a deliberate public API change, then
# review the diff: each added line is a promise to users.
#   nuget/update-public-api.sh [path/to/Project.csproj ...]   (default: every packable project under src/)
set -euo pipefail
cd "$(dirname "$0")/.."
projects=("$@")
if [ ${#projects[@]} -eq 0 ]; then mapfile -t projects < <(ls src/*/*.csproj); fi
for proj in "${projects[@]}"; do
  dir=$(dirname "$proj")
  # Only this project's own diagnostics: a build also reports those of the projects it references.
  out=$(dotnet build "$proj" -c Release --no-incremental 2>&1 | grep -F "[$(realpath "$proj")]" || true)
  grep -oP "error RS0016: Symbol '\K.*(?=' is not part of the declared public API)" <<<"$out" \
    | sed "s/&apos;/'/g" | sort -u >> "$dir/PublicAPI.Unshipped.txt" || true
  { head -n1 "$dir/PublicAPI.Unshipped.txt"; tail -n +2 "$dir/PublicAPI.Unshipped.txt" | sort -u; } > "$dir/PublicAPI.tmp"
  mv "$dir/PublicAPI.tmp" "$dir/PublicAPI.Unshipped.txt"
  echo "updated $dir/PublicAPI.Unshipped.txt ($(($(wc -l < "$dir/PublicAPI.Unshipped.txt") - 1)) symbols)"
done
