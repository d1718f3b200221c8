import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { AUTH } from "./helpers";

describe("router", () => {
  it("GET /version answers version 1 and a server timestamp", async () => {
    const before = Date.now();
    const res = await SELF.fetch("https://pfx.test/version", { headers: AUTH });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    const body = (await res.json()) as { version: number; timestamp: number };
    expect(body.version).toBe(1);
    expect(typeof body.timestamp).toBe("number");
    expect(body.timestamp).toBeGreaterThanOrEqual(before - 1000);
  });

  it("GET /patterns lists direct, current, simple, rpctarget, then the optional direct-timer", async () => {
    const res = await SELF.fetch("https://pfx.test/patterns", { headers: AUTH });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      patterns: { mode: string; name: string; description: string; optional?: boolean }[];
    };
    expect(body.patterns.map((p) => p.mode)).toEqual(["direct", "current", "simple", "rpctarget", "direct-timer"]);
    for (const p of body.patterns) {
      expect(p.name).not.toBe("");
      expect(p.description).not.toBe("");
    }
    // Only direct-timer is optional (pfx-tui runs it only when asked), and it says why it exists.
    expect(body.patterns.filter((p) => p.optional).map((p) => p.mode)).toEqual(["direct-timer"]);
    const timer = body.patterns.find((p) => p.mode === "direct-timer")!;
    expect(timer.description).toContain("AbortSignal.timeout");
    expect(timer.description).toContain("hibernat");
  });

  it("GET /delay/{ms} sleeps, then answers 200 with a small text body", async () => {
    const t0 = performance.now();
    const res = await SELF.fetch("https://pfx.test/delay/150", { headers: AUTH });
    const body = await res.text();
    const took = performance.now() - t0;
    expect(res.status).toBe(200);
    expect(body).toBe("delayed 150 ms\n");
    expect(took).toBeGreaterThanOrEqual(140);
  });

  it("GET /delay/0 answers at once", async () => {
    const res = await SELF.fetch("https://pfx.test/delay/0", { headers: AUTH });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("delayed 0 ms\n");
  });

  it("GET /delay/{ms}?status=500 answers that status", async () => {
    const res = await SELF.fetch("https://pfx.test/delay/10?status=500", { headers: AUTH });
    expect(res.status).toBe(500);
    await res.text();
  });

  it.each(["30001", "-1", "abc", "1.5", ""])("GET /delay/%s is a 400", async (ms) => {
    const res = await SELF.fetch(`https://pfx.test/delay/${ms}`, { headers: AUTH });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("0..30000");
  });

  it("GET /delay/30000 passes the range check (a bad status makes it answer at once)", async () => {
    // Not waiting 30 s: the status check comes after the range check, so this 400 proves 30000 is in range.
    const res = await SELF.fetch("https://pfx.test/delay/30000?status=99", { headers: AUTH });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("status must be");
  });

  it("unknown paths without an upgrade are a 404", async () => {
    const res = await SELF.fetch("https://pfx.test/nope", { headers: AUTH });
    expect(res.status).toBe(404);
    await res.text();
  });
});
