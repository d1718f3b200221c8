#!/usr/bin/env bash
# scale.sh — peak memory of a 100,000-op run on the embedded local target
# (0 ms upstream, billing included), as issue "Performance" asks: under 150 MB.
#   bench/scale.sh [ROUNDS]      (from the repository root; default 3 rounds)
# Prints each round's peak RSS (GNU time's "Maximum resident set size") and
# wall time, then the median. Needs /usr/bin/time (Debian package time).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/pfx-tui" ./cmd/pfx-tui
rss=(); wall=()
for i in $(seq 1 "$rounds"); do
  /usr/bin/time -f '%M %e' -o "$tmp/time" "$tmp/pfx-tui" run --no-tui --approaches direct --durations 0 \
    --ops 1000 --batches 100 --warmup 0 --out "$tmp/results" >/dev/null 2>"$tmp/stderr" \
    || { cat "$tmp/stderr"; exit 1; }
  grep -q "billing complete" "$tmp/stderr" || { echo "round $i: billing did not complete"; tail -3 "$tmp/stderr"; exit 1; }
  read -r kb secs <"$tmp/time"
  rss+=("$kb"); wall+=("$secs")
  printf 'round %d: 100,000 ops, peak RSS %d MB, %s s\n' "$i" $((kb / 1024)) "$secs"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf 'median of %d: peak RSS %d MB, %s s\n' "$rounds" $(( $(median "${rss[@]}") / 1024 )) "$(median "${wall[@]}")"
