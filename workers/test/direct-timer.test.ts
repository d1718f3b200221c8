import { afterEach, describe, expect, it, vi } from "vitest";
import { frameOf, runBatch } from "./helpers";

// The origin DO runs in the test isolate (as the tag spies of batch.test.ts
// rely on), so spies on the global timer functions see the origin's timers.
// The backstop is a value no other timer of the run uses (the controller's
// guard is TIMEOUT + GUARD_SLACK_MS, the helpers use 15000 and 500).
const TIMEOUT = 1200;

afterEach(() => {
  vi.restoreAllMocks();
});

function sleepUntil(t: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, t - performance.now())));
}

describe("the direct approaches' abort timer", () => {
  it("direct: one abort timer per op, cleared once the fetch settled, never fired", async () => {
    const realSetTimeout = globalThis.setTimeout;
    const created: unknown[] = [];
    let fired = 0;
    vi.spyOn(globalThis, "setTimeout").mockImplementation(((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      if (ms !== TIMEOUT) return realSetTimeout(fn, ms, ...args);
      const id = realSetTimeout(() => {
        fired++;
        fn(...args);
      }, ms);
      created.push(id);
      return id;
    }) as typeof setTimeout);
    const clear = vi.spyOn(globalThis, "clearTimeout");
    const timeoutSignal = vi.spyOn(AbortSignal, "timeout");

    const t0 = performance.now();
    const run = await runBatch({
      action: "run-batch",
      mode: "direct",
      count: 2,
      durationMs: 20,
      timeoutMs: TIMEOUT,
      batchId: "timer-direct",
    });
    expect(frameOf(run, "batch-complete")).toMatchObject({ completed: 2, errors: 0 });

    expect(created).toHaveLength(2);
    const cleared = clear.mock.calls.map((c) => c[0]);
    for (const id of created) expect(cleared).toContain(id);
    expect(timeoutSignal.mock.calls.filter((c) => c[0] === TIMEOUT)).toEqual([]);

    // Past the deadline the timers would have had: neither fired.
    await sleepUntil(t0 + TIMEOUT + 300);
    expect(fired).toBe(0);
  });

  it("direct-timer: AbortSignal.timeout per op, still pending after the op, fires at the backstop", async () => {
    // The signal belongs to the origin DO's I/O context, so the test cannot
    // read it; a listener added there records when and why it aborted.
    const realTimeout = AbortSignal.timeout.bind(AbortSignal);
    const signals: { aborted?: { at: number; reason: string } }[] = [];
    vi.spyOn(AbortSignal, "timeout").mockImplementation((ms: number) => {
      const s = realTimeout(ms);
      if (ms === TIMEOUT) {
        const seen: (typeof signals)[number] = {};
        signals.push(seen);
        s.addEventListener("abort", () => {
          seen.aborted = { at: performance.now(), reason: (s.reason as Error).name };
        });
      }
      return s;
    });
    const set = vi.spyOn(globalThis, "setTimeout");

    const t0 = performance.now();
    const run = await runBatch({
      action: "run-batch",
      mode: "direct-timer",
      count: 1,
      durationMs: 20,
      timeoutMs: TIMEOUT,
      batchId: "timer-pending",
    });
    expect(frameOf(run, "batch-complete")).toMatchObject({ completed: 1, errors: 0 });
    const batchDone = run.frames.find((r) => r.frame.type === "batch-complete")!.at;
    expect(signals).toHaveLength(1);
    expect(set.mock.calls.filter((c) => c[1] === TIMEOUT)).toEqual([]);

    // The timer outlives the op and the batch, and fires at the backstop.
    await vi.waitFor(() => expect(signals[0]!.aborted).toBeDefined(), { timeout: TIMEOUT + 5000, interval: 50 });
    const aborted = signals[0]!.aborted;
    expect(aborted?.reason).toBe("TimeoutError");
    expect(aborted!.at).toBeGreaterThan(batchDone);
    expect(aborted!.at - t0).toBeGreaterThanOrEqual(TIMEOUT - 50);
  });
});
