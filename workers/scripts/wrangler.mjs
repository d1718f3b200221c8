// Runs the pinned wrangler with the offline-safe environment of offline-env.mjs
// (no Request.cf download, no telemetry, no update check, files kept in .wrangler/).
//   node scripts/wrangler.mjs dev --local --ip 127.0.0.1 --port 8799 --show-interactive-dev-session=false
// is what `npm run dev` does; it equals, from workers/:
//   WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_HIDE_BANNER=true \
//   WRANGLER_LOG_PATH=$PWD/.wrangler/logs XDG_CONFIG_HOME=$PWD/.wrangler/config \
//   npx wrangler dev --local --ip 127.0.0.1 --port 8799 --show-interactive-dev-session=false
import "./offline-env.mjs";
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const wrangler = path.join(path.dirname(require.resolve("wrangler/package.json")), "bin", "wrangler.js");

const child = spawn(process.execPath, [wrangler, ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
  env: process.env,
});
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => child.kill(sig));
}
child.on("exit", (code, signal) => {
  process.exit(code ?? (signal ? 1 : 0));
});
