import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { AUTH, frameOf, runBatch, types, type BatchRun } from "./helpers";

const MODES = ["direct", "direct-timer", "current", "simple", "rpctarget"] as const;

/**
 * Tag lines ("pfx", batchId, op) per op, by approach: one per invocation that
 * handles the op (the main Worker runs in the test isolate, so console.log is shared).
 *   direct:    origin startOp, upstream (direct-timer the same)
 *   simple:    origin startOp, executor, upstream, origin deliverResult, controller opDone
 *   rpctarget: the same, with RpcTarget.execute instead of executeFetch
 *   current:   origin startOp, orchestrator enqueue, orchestrator alarm, executor,
 *              upstream, origin deliverResult, controller opDone, orchestrator reportDelivery
 */
const TAGS_PER_OP: Record<(typeof MODES)[number], number> = {
  direct: 2,
  "direct-timer": 2,
  simple: 5,
  rpctarget: 5,
  current: 8,
};

let logSpy: MockInstance<typeof console.log>;
beforeEach(() => {
  logSpy = vi.spyOn(console, "log");
});
afterEach(() => {
  logSpy.mockRestore();
});

function tagsFor(batchId: string): Map<number, number> {
  const perOp = new Map<number, number>();
  for (const call of logSpy.mock.calls) {
    if (call[0] === "pfx" && call[1] === batchId && typeof call[2] === "number") {
      perOp.set(call[2], (perOp.get(call[2]) ?? 0) + 1);
    }
  }
  return perOp;
}

function expectHealthySequence(run: BatchRun, mode: string, count: number): void {
  expect(types(run)).toEqual([
    "batch-started",
    "timing-start",
    ...Array<string>(count).fill("progress"),
    "timing-end",
    "batch-complete",
  ]);
  expect(run.frames[0]?.frame).toEqual({ type: "batch-started", mode, count });
  expect(run.frames[1]?.frame).toEqual({ type: "timing-start", mode });
  for (let i = 0; i < count; i++) {
    expect(run.frames[2 + i]?.frame).toEqual({ type: "progress", mode, total: count, completed: i + 1 });
  }
  expect(run.frames[2 + count]?.frame).toEqual({ type: "timing-end", mode });
}

describe.each(MODES)("approach %s end to end over the WebSocket", (mode) => {
  it("runs the ops one after another, each taking at least durationMs", async () => {
    const count = 3;
    const durationMs = 250;
    const batchId = `ok-${mode}`;
    const run = await runBatch({ action: "run-batch", mode, count, durationMs, batchId });

    expectHealthySequence(run, mode, count);
    expect(frameOf(run, "batch-complete")).toEqual({
      type: "batch-complete",
      mode,
      completed: count,
      errors: 0,
      errorMessages: [],
    });

    // Latency as the client sees it: per-op samples are the gaps between
    // progress receipts (the first from timing-start). Time advances across
    // I/O in the local runtime, so each op must take at least the upstream delay.
    const start = run.frames[1]!.at;
    const progressAt = run.frames.filter((r) => r.frame.type === "progress").map((r) => r.at);
    let prev = start;
    for (const at of progressAt) {
      expect(at - prev).toBeGreaterThanOrEqual(durationMs - 5);
      prev = at;
    }
    const batchMs = run.frames[run.frames.length - 1]!.at - start;
    expect(batchMs).toBeGreaterThanOrEqual(count * durationMs - 5);

    // Every invocation of every op logged the batch tag (op -1 = batch level).
    // The last op's tail (current's delivery report to the orchestrator) may
    // still be under way after batch-complete, so wait for it a little.
    await vi.waitFor(
      () => {
        const tags = tagsFor(batchId);
        expect(tags.get(-1)).toBeGreaterThanOrEqual(1);
        for (let op = 0; op < count; op++) {
          expect(tags.get(op), `tags of op ${op}`).toBe(TAGS_PER_OP[mode]);
        }
      },
      { timeout: 3000, interval: 50 },
    );
  });

  it("counts an upstream 500 as an op error with a message", async () => {
    const run = await runBatch({
      action: "run-batch",
      mode,
      count: 2,
      durationMs: 20,
      batchId: `e500-${mode}`,
      upstreamStatus: 500,
    });
    expectHealthySequence(run, mode, 2);
    expect(frameOf(run, "batch-complete")).toEqual({
      type: "batch-complete",
      mode,
      completed: 0,
      errors: 2,
      errorMessages: ["op 0: upstream answered HTTP 500", "op 1: upstream answered HTTP 500"],
    });
  });

  it("ends an op with a timeout when the upstream is slower than the backstop", async () => {
    const t0 = performance.now();
    const run = await runBatch({
      action: "run-batch",
      mode,
      count: 1,
      durationMs: 3000,
      timeoutMs: 300,
      batchId: `tmo-${mode}`,
    });
    const took = performance.now() - t0;
    expectHealthySequence(run, mode, 1);
    const done = frameOf(run, "batch-complete") as { completed: number; errors: number; errorMessages: string[] };
    expect(done.completed).toBe(0);
    expect(done.errors).toBe(1);
    if (mode === "direct" || mode === "direct-timer") {
      // The direct fetch is aborted by its own timeout (the DO has no alarm to wait for).
      expect(done.errorMessages).toEqual(["op 0: timeout: no upstream answer within 300 ms"]);
    } else {
      // The origin's alarm backstop won the atomic cancel.
      expect(done.errorMessages).toEqual(["op 0: timeout: no result before the backstop alarm"]);
    }
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(2500);
  });
});

describe("sequential batches on separate WebSockets", () => {
  it("run back to back and do not interfere", async () => {
    const a = await runBatch({ action: "run-batch", mode: "simple", count: 2, durationMs: 10, batchId: "seq-a" });
    const b = await runBatch({ action: "run-batch", mode: "current", count: 2, durationMs: 10, batchId: "seq-b" });
    expectHealthySequence(a, "simple", 2);
    expectHealthySequence(b, "current", 2);
    expect((frameOf(b, "batch-complete") as { completed: number }).completed).toBe(2);
  });

  it("defaults durationMs to 100 and generates a batch tag when none is given", async () => {
    const t0 = performance.now();
    const run = await runBatch({ action: "run-batch", mode: "direct", count: 2 });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(195);
    expectHealthySequence(run, "direct", 2);
    const anon = logSpy.mock.calls.find((c) => c[0] === "pfx" && typeof c[1] === "string" && c[1].startsWith("anon-"));
    expect(anon).toBeDefined();
  });
});

describe("a client that leaves mid-batch", () => {
  it("stops the batch after the current op", async () => {
    const { SELF } = await import("cloudflare:test");
    const res = await SELF.fetch("https://pfx.test/ws", { headers: { Upgrade: "websocket", ...AUTH } });
    const ws = res.webSocket!;
    ws.accept();
    const firstProgress = new Promise<void>((resolve) => {
      ws.addEventListener("message", (ev) => {
        if (JSON.parse(ev.data as string).type === "progress") resolve();
      });
    });
    ws.send(JSON.stringify({ action: "run-batch", mode: "simple", count: 10, durationMs: 100, batchId: "leave" }));
    await firstProgress;
    ws.close(1000, "bye");
    await new Promise((r) => setTimeout(r, 800));
    const started = [...tagsFor("leave").keys()].filter((op) => op >= 0);
    // op 0 finished, op 1 may have been running when the close arrived; nothing after that.
    expect(Math.max(...started)).toBeLessThanOrEqual(1);
  });
});
