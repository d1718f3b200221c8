// Must stay the first import: sets the offline-safe environment before wrangler loads.
import "./scripts/offline-env.mjs";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Tests run inside the Workers runtime (workerd via miniflare) with the
// bindings of wrangler.jsonc, including the self service bindings EXECUTOR
// and SELF, and real alarms.
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.jsonc" },
    }),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    // The Worker logs a billing tag per invocation; show logs only for failing tests.
    silent: "passed-only",
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
