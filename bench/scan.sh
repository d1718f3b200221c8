#!/usr/bin/env bash
# The logs scan benchmark (make bench-scan): generates the data set, then
# runs side by side, ROUNDS times each in interleaved rounds:
#   gunzip       decompression + line splitting only (bench/gunzip), the floor
#   pfx-tui      pfx-tui logs scan --dir (the current tree)
#   duckdb       DuckDB read_json with the five columns named, GROUP BY, 2 threads
#   duckdb-auto  the same with column auto-detection (AUTO=0 skips it)
# reports the medians of wall time, CPU time (user+sys), peak RSS and minor
# page faults, and checks that pfx-tui's figures are identical to DuckDB's.
#
# Environment:
#   RECORDS (1000000), FILES (20), SEED (1), ROUNDS (5), AUTO (1)
#   DATA    folder for the data set (bench/data, git-ignored); regenerated
#           when RECORDS/FILES/SEED change (recorded in DATA.stamp)
#   REVS    "label=rev ..." earlier commits to build and time as well
#   BINS    "label=path ..." other pfx-tui binaries to time as well
set -euo pipefail
cd "$(dirname "$0")"
root=$(git rev-parse --show-toplevel)
RECORDS=${RECORDS:-1000000} FILES=${FILES:-20} SEED=${SEED:-1} ROUNDS=${ROUNDS:-5} AUTO=${AUTO:-1}
DATA=${DATA:-$PWD/data}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

[ -x /usr/bin/time ] || { echo "bench-scan needs /usr/bin/time (Debian package: time)" >&2; exit 1; }
[ -d node_modules/@duckdb/node-api ] || npm ci --no-audit --no-fund >&2

echo "building" >&2
(cd "$root" && go build -o "$work/pfx-tui" ./cmd/pfx-tui && go build -o "$work/gunzip" ./bench/gunzip)
names=(gunzip pfx-tui)
cmds=("$work/gunzip $DATA" "$work/pfx-tui logs scan --dir $DATA --format json")
for spec in ${REVS:-}; do
  label=${spec%%=*} rev=${spec#*=}
  mkdir -p "$work/src-$label"
  (cd "$root" && git archive "$rev" | tar -x -C "$work/src-$label")
  (cd "$work/src-$label" && go build -o "$work/pfx-$label" ./cmd/pfx-tui)
  names+=("pfx-tui@$label") cmds+=("$work/pfx-$label logs scan --dir $DATA --format json")
done
for spec in ${BINS:-}; do
  names+=("${spec%%=*}") cmds+=("${spec#*=} logs scan --dir $DATA --format json")
done
named=${#names[@]}
names+=(duckdb) cmds+=("node $PWD/duckdb.mjs $DATA named 2")
if [ "$AUTO" = 1 ]; then names+=(duckdb-auto) cmds+=("node $PWD/duckdb.mjs $DATA auto 2"); fi

stamp="records=$RECORDS files=$FILES seed=$SEED"
if [ "$(cat "$DATA.stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "generating $stamp into $DATA" >&2
  rm -rf "$DATA"
  "$work/pfx-tui" logs gen --dir "$DATA" --records "$RECORDS" --files "$FILES" --seed "$SEED" >&2
  echo "$stamp" > "$DATA.stamp"
fi
raw=$("$work/gunzip" "$DATA" | awk '{print $(NF-1)}')
gzbytes=$(find "$DATA" -name '*.log.gz' -printf '%s\n' | awk '{s+=$1} END {print s}')

for round in $(seq 1 "$ROUNDS"); do
  echo "round $round/$ROUNDS" >&2
  for i in "${!names[@]}"; do
    /usr/bin/time -f "%e %U %S %M %R" -o "$work/time" ${cmds[$i]} > "$work/out-$i-$round"
    echo "${names[$i]} $(cat "$work/time")" >> "$work/times"
  done
done

echo "checking figures against DuckDB (de-duplicated raw lines)" >&2
node duckdb.mjs "$DATA" exact 2 > "$work/exact"
node compare.mjs "$work/out-1-1" "$work/exact" "$work/out-$named-1"

cat <<HDR

$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(go version | cut -d' ' -f3), $(date -u +%Y-%m-%d)
$RECORDS lines in $FILES files: $(awk "BEGIN {printf \"%.0f MB NDJSON, %.1f MB gzip\", $raw/1e6, $gzbytes/1e6}"); medians of $ROUNDS interleaved runs
load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)

| run | wall s | CPU s (user+sys) | MB/s (NDJSON/wall) | peak RSS MB | wall vs DuckDB | wall vs gunzip | minor page faults (k) |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
HDR
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
declare -A wall
for n in "${names[@]}"; do
  wall[$n]=$(awk -v n="$n" '$1==n {print $2}' "$work/times" | median)
done
for n in "${names[@]}"; do
  cpu=$(awk -v n="$n" '$1==n {print $3+$4}' "$work/times" | median)
  rss=$(awk -v n="$n" '$1==n {print $5/1024}' "$work/times" | median)
  pf=$(awk -v n="$n" '$1==n {print $6/1000}' "$work/times" | median)
  awk -v n="$n" -v w="${wall[$n]}" -v c="$cpu" -v r="$rss" -v f="$pf" -v raw="$raw" -v d="${wall[duckdb]}" -v g="${wall[gunzip]}" \
    'BEGIN {printf "| %s | %.2f | %.2f | %.0f | %.0f | %.2f | %.2f | %.1f |\n", n, w, c, raw/1e6/w, r, w/d, w/g, f}'
done
