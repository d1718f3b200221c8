import { SELF } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { originObject } from "../src/protocol";
import { AUTH, runBatch } from "./helpers";

let logSpy: MockInstance<typeof console.log>;
beforeEach(() => {
  logSpy = vi.spyOn(console, "log");
});
afterEach(() => {
  logSpy.mockRestore();
});

/** Origin objects named by the "op" tags of a batch ("pfx", batchId, op, "op", object). */
function originObjectsOf(batchId: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const call of logSpy.mock.calls) {
    if (call[0] === "pfx" && call[1] === batchId && call[3] === "op" && typeof call[4] === "string") {
      out.set(call[4], (out.get(call[4]) ?? 0) + 1);
    }
  }
  return out;
}

describe("loads: concurrency, objects, cold", () => {
  it("announces concurrency and objects in /version", async () => {
    const res = await SELF.fetch("https://pfx.test/version", { headers: AUTH });
    const body = (await res.json()) as { capabilities: string[] };
    expect(body.capabilities).toEqual(expect.arrayContaining(["concurrency", "objects"]));
  });

  for (const mode of ["direct", "simple"] as const) {
    it(`${mode}: K = 4 ops in flight over N = 2 cold objects, an op frame per op`, async () => {
      const batchId = `loads-${mode}-001`;
      const d = 300;
      const t0 = performance.now();
      const run = await runBatch({ action: "run-batch", mode, count: 4, durationMs: d, batchId, concurrency: 4, objects: 2, cold: true });
      const took = performance.now() - t0;
      const last = run.frames[run.frames.length - 1]?.frame;
      expect(last).toMatchObject({ type: "batch-complete", completed: 4, errors: 0 });
      const ops = run.frames.map((r) => r.frame).filter((f) => f.type === "op");
      expect(ops.map((f) => f.op).sort()).toEqual([0, 1, 2, 3]);
      for (const f of ops) expect(f.ms as number).toBeGreaterThanOrEqual(d - 1);
      // Four at once: well under the 4 × 300 ms one at a time would take.
      expect(took).toBeLessThan(4 * d);
      const progress = run.frames.map((r) => r.frame).filter((f) => f.type === "progress");
      expect(progress.map((f) => f.completed)).toEqual([1, 2, 3, 4]);
      expect(Object.fromEntries(originObjectsOf(batchId))).toEqual({
        [`origin-${mode}-${batchId}-0`]: 2,
        [`origin-${mode}-${batchId}-1`]: 2,
      });
    });
  }

  it("without concurrency: no op frames, the approach's one origin, untagged by object", async () => {
    const batchId = "loads-seq-001";
    const run = await runBatch({ action: "run-batch", mode: "direct", count: 2, durationMs: 0, batchId });
    expect(run.frames.map((r) => r.frame.type)).toEqual(["batch-started", "timing-start", "progress", "progress", "timing-end", "batch-complete"]);
    expect(originObjectsOf(batchId).size).toBe(0);
  });

  it("names objects as pfx-tui does", () => {
    expect(originObject("direct", "run1-008", 1, false, 4)).toBe("origin-direct");
    expect(originObject("direct", "run1-008", 3, false, 4)).toBe("origin-direct-run1-1");
    expect(originObject("simple", "run1-008", 0, true, 4)).toBe("origin-simple-run1-008-0");
    // A retry ("<run>-NNN.r<attempt>", pfx-tui's protocol.BatchID) runs on its run's objects.
    expect(originObject("direct", "run1-008.r1", 3, false, 4)).toBe("origin-direct-run1-1");
    expect(originObject("simple", "run1-008.r2", 0, true, 4)).toBe("origin-simple-run1-008.r2-0");
  });

  it("refuses a concurrency out of bounds", async () => {
    const run = await runBatch({ action: "run-batch", mode: "direct", count: 1, batchId: "loads-bad", concurrency: 65 });
    expect(run.frames[0]?.frame).toMatchObject({ type: "error" });
  });
});
