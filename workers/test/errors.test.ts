/// <reference types="vite/client" />
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import wranglerConfig from "../wrangler.jsonc?raw";
import { DEFAULT_GUARD_SLACK_MS, MAX_GUARD_SLACK_MS, guardSlackMs } from "../src/protocol";
import { AUTH, runBatch, types } from "./helpers";

describe("protocol errors", () => {
  it("answers an unknown mode with the Lumenize wording", async () => {
    const run = await runBatch({ action: "run-batch", mode: "bogus", count: 3 });
    expect(run.frames.map((r) => r.frame)).toEqual([
      { type: "error", error: "Unknown mode: bogus. Available: direct, current, simple, rpctarget, direct-timer" },
    ]);
  });

  it.each([
    ["not json", "invalid JSON"],
    [JSON.stringify({ action: "nope", mode: "direct", count: 1 }), "Unknown action: nope"],
    [JSON.stringify({ action: "run-batch", mode: "direct", count: 0 }), "count must be at least 1, got 0"],
    [JSON.stringify({ action: "run-batch", mode: "direct", count: 1, durationMs: 30001 }), "durationMs must be 0..30000, got 30001"],
  ])("rejects %s", async (raw, want) => {
    const run = await runBatchRaw(raw);
    expect(types(run)).toEqual(["error"]);
    expect(String(run.frames[0]!.frame.error)).toContain(want);
  });

  it("turns a stuck chain into an error frame (guard = timeoutMs + GUARD_SLACK_MS)", async () => {
    // vitest.config.ts sets GUARD_SLACK_MS to 2000 (production: 5000).
    expect(env.GUARD_SLACK_MS).toBe(2000);
    const t0 = performance.now();
    const run = await runBatch(
      { action: "run-batch", mode: "simple", count: 2, durationMs: 10, timeoutMs: 200, simulate: "stuck", batchId: "stuck" },
      { timeoutMs: 15_000 },
    );
    const took = performance.now() - t0;
    expect(types(run)).toEqual(["batch-started", "timing-start", "error"]);
    expect(run.frames[2]!.frame).toEqual({ type: "error", error: "op 0: no result within 2200 ms (stuck chain)" });
    expect(took).toBeGreaterThanOrEqual(2150);
    expect(took).toBeLessThan(5000);
    expect(run.closeCode).toBe(1011);
  });
});

describe("the stuck-chain guard slack (GUARD_SLACK_MS)", () => {
  it("is 5000 ms in production: wrangler.jsonc sets the default", () => {
    // Whole-line // comments only: enough for our wrangler.jsonc.
    const config = JSON.parse(wranglerConfig.replace(/^\s*\/\/.*$/gm, "")) as { vars: Record<string, unknown> };
    expect(config.vars.GUARD_SLACK_MS).toBe(DEFAULT_GUARD_SLACK_MS);
    expect(DEFAULT_GUARD_SLACK_MS).toBe(5000);
  });

  it.each([
    [1000, 1000],
    [0, 0],
    ["250", 250],
    [" 250 ", 250],
    [MAX_GUARD_SLACK_MS, MAX_GUARD_SLACK_MS],
    [undefined, 5000],
    ["", 5000],
    ["fast", 5000],
    ["1e3", 5000],
    [-1, 5000],
    [1.5, 5000],
    [MAX_GUARD_SLACK_MS + 1, 5000],
    [Number.NaN, 5000],
  ])("guardSlackMs(%j) = %d", (raw, want) => {
    expect(guardSlackMs(raw)).toBe(want);
  });
});

/** Like runBatch, but sends the message text as given. */
async function runBatchRaw(text: string) {
  const { SELF } = await import("cloudflare:test");
  const res = await SELF.fetch("https://pfx.test/ws", { headers: { Upgrade: "websocket", ...AUTH } });
  const ws = res.webSocket!;
  ws.accept();
  const frames: { frame: Record<string, unknown> & { type: string }; at: number }[] = [];
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("no frame")), 5000);
    ws.addEventListener("message", (ev) => {
      frames.push({ frame: JSON.parse(ev.data as string), at: performance.now() });
      clearTimeout(t);
      resolve();
    });
    ws.send(text);
  });
  ws.close(1000, "done");
  return { frames };
}
