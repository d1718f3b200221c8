// Must stay the first import: sets the offline-safe environment before wrangler loads.
import "./scripts/offline-env.mjs";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// wrangler checks the required secret PFX_TOKEN (wrangler.jsonc) in .dev.vars or the
// environment and warns per test file when it is missing; the Worker gets it below.
process.env.PFX_TOKEN = "test-token";

// Tests run inside the Workers runtime (workerd via miniflare) with the
// bindings of wrangler.jsonc, including the self service bindings EXECUTOR
// and SELF, and real alarms; GUARD_SLACK_MS is overridden below.
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.jsonc" },
      // Over wrangler.jsonc's vars: a short stuck-chain guard (production: 5000 ms),
      // so the stuck-chain test takes two seconds instead of five. Not shorter: the
      // guard also bounds the timeout tests (backstop 300 ms), which a loaded
      // machine can stretch past a second.
      // PFX_TOKEN: the test secret (test/helpers.ts sends it).
      miniflare: { bindings: { GUARD_SLACK_MS: 2000, PFX_TOKEN: "test-token" } },
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
