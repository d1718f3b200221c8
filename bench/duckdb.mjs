// DuckDB side of the logs scan benchmark (bench/scan.sh): one query over
// every *.log.gz under DIR, printed as JSON lines sorted by group.
//
//	node duckdb.mjs DIR named|auto|exact [threads]
//
// named: read_json with the five columns named (the baseline to beat).
// auto:  read_json with column detection.
// exact: raw lines de-duplicated byte for byte, then the five fields
//        extracted: the same records as `pfx-tui logs scan`, for checking
//        its figures.
import { DuckDBInstance } from '@duckdb/node-api';

const [dir, mode = 'named', threads = '2'] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node duckdb.mjs DIR named|auto|exact [threads]');
  process.exit(2);
}
const files = `'${dir.replaceAll("'", "''")}/*/*.log.gz'`;
const agg = `count(*) AS count, avg(WallTimeMs) AS wall_mean, avg(CPUTimeMs) AS cpu_mean`;
const group = `GROUP BY ALL ORDER BY ALL`;
const keys = `ScriptName, coalesce(Entrypoint, '') AS Entrypoint, EventType`;
const sql = {
  named: `SELECT ${keys}, ${agg} FROM read_json(${files}, format = 'newline_delimited',
      columns = {ScriptName: 'VARCHAR', Entrypoint: 'VARCHAR', EventType: 'VARCHAR', WallTimeMs: 'BIGINT', CPUTimeMs: 'BIGINT'}) ${group}`,
  auto: `SELECT ${keys}, ${agg} FROM read_json(${files}, format = 'newline_delimited') ${group}`,
  exact: `WITH l AS (SELECT DISTINCT line FROM read_csv(${files}, columns = {line: 'VARCHAR'}, header = false,
        delim = '\\x01', quote = '', escape = '', auto_detect = false)),
      r AS (SELECT line->>'$.ScriptName' AS ScriptName, line->>'$.Entrypoint' AS Entrypoint, line->>'$.EventType' AS EventType,
        CAST(line->>'$.WallTimeMs' AS BIGINT) AS WallTimeMs, CAST(line->>'$.CPUTimeMs' AS BIGINT) AS CPUTimeMs FROM l)
      SELECT ${keys}, ${agg} FROM r ${group}`,
}[mode];
if (!sql) {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const conn = await db.connect();
const reader = await conn.runAndReadAll(sql);
for (const row of reader.getRowObjectsJS()) {
  console.log(JSON.stringify({
    scriptName: row.ScriptName, entrypoint: row.Entrypoint, eventType: row.EventType,
    count: Number(row.count), wallMean: row.wall_mean, cpuMean: row.cpu_mean,
  }));
}
