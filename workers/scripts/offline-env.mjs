// Imported first by vitest.config.ts (imports run before the config body, and
// wrangler/miniflare read these when they load): keep tests offline-safe and
// keep wrangler's files inside workers/.wrangler/.
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const defaults = {
  // miniflare would otherwise download the Request.cf object from Cloudflare.
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  // The banner's update check asks the npm registry for a newer wrangler.
  WRANGLER_HIDE_BANNER: "true",
  WRANGLER_LOG_PATH: path.join(root, ".wrangler", "logs"),
  XDG_CONFIG_HOME: path.join(root, ".wrangler", "config"),
};
for (const [k, v] of Object.entries(defaults)) {
  process.env[k] ??= v;
}
