// Checks that `pfx-tui logs scan --format json` and DuckDB (duckdb.mjs)
// give identical figures: per group the count and the means of WallTimeMs
// and CPUTimeMs, compared as float64 values, bit for bit.
//
//	node compare.mjs PFX_JSON DUCKDB_EXACT_JSONL [DUCKDB_NAMED_JSONL]
//
// The exact query de-duplicates raw lines as pfx-tui does, so it must agree
// on every figure. The named-column query counts redelivered lines again,
// so only its total is checked: pfx-tui's records + duplicates.
import { readFileSync } from 'node:fs';

const [pfxPath, exactPath, namedPath] = process.argv.slice(2);
const pfx = JSON.parse(readFileSync(pfxPath, 'utf8'));
const lines = (p) => readFileSync(p, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const key = (g) => `${g.scriptName}\u0000${g.entrypoint}\u0000${g.eventType}`;
const duck = new Map(lines(exactPath).map((g) => [key(g), g]));
let bad = 0;
const fail = (msg) => { bad++; console.error(`MISMATCH ${msg}`); };
if (duck.size !== pfx.groups.length) fail(`${pfx.groups.length} groups vs DuckDB ${duck.size}`);
for (const g of pfx.groups) {
  const d = duck.get(key(g));
  if (!d) { fail(`group ${key(g)} missing in DuckDB`); continue; }
  if (d.count !== g.count) fail(`${key(g)} count ${g.count} vs ${d.count}`);
  if (d.wallMean !== g.wallTimeMs.mean) fail(`${key(g)} wall mean ${g.wallTimeMs.mean} vs ${d.wallMean}`);
  if (d.cpuMean !== g.cpuTimeMs.mean) fail(`${key(g)} cpu mean ${g.cpuTimeMs.mean} vs ${d.cpuMean}`);
}
if (namedPath) {
  const total = lines(namedPath).reduce((s, g) => s + g.count, 0);
  if (total !== pfx.records + pfx.duplicates) fail(`named-column rows ${total} vs records+duplicates ${pfx.records + pfx.duplicates}`);
}
if (bad) process.exit(1);
console.log(`figures identical: ${pfx.groups.length} groups, ${pfx.records} records (${pfx.duplicates} duplicates), count and mean wall/CPU per group`);
