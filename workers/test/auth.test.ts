import { SELF, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import { maxDelayMs } from "../src/protocol";
import { AUTH, TOKEN } from "./helpers";

const ROUTES = ["/version", "/patterns", "/delay/0"];

/** A Durable Object namespace that records being touched (and then fails). */
function trap(touched: string[], name: string): unknown {
  return new Proxy(
    {},
    {
      get(_t, prop) {
        touched.push(`${name}.${String(prop)}`);
        throw new Error(`${name} touched`);
      },
    },
  );
}

/** env with every Durable Object namespace replaced by a trap. */
function trappedEnv(touched: string[], token: string | undefined): Env {
  return {
    ...env,
    PFX_TOKEN: token,
    CONTROLLER: trap(touched, "CONTROLLER"),
    ORIGIN_DO: trap(touched, "ORIGIN_DO"),
    FETCH_ORCHESTRATOR: trap(touched, "FETCH_ORCHESTRATOR"),
  } as unknown as Env;
}

function upgrade(headers: Record<string, string> = {}): Request {
  return new Request("https://pfx.test/ws?batch=b", { headers: { Upgrade: "websocket", ...headers } });
}

describe("PFX_TOKEN", () => {
  it("GET /health is open: 200 ok without a token", async () => {
    const res = await SELF.fetch("https://pfx.test/health");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("ok\n");
  });

  it.each(ROUTES)("GET %s without a token is a 401", async (path) => {
    const res = await SELF.fetch(`https://pfx.test${path}`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
    expect(await res.text()).toContain("missing Authorization");
  });

  it.each(ROUTES)("GET %s with a wrong token is a 401", async (path) => {
    for (const header of [`Bearer ${TOKEN}x`, "Bearer tes", `Basic ${TOKEN}`, TOKEN]) {
      const res = await SELF.fetch(`https://pfx.test${path}`, { headers: { Authorization: header } });
      expect(res.status, header).toBe(401);
      expect(await res.text()).toContain("wrong token");
    }
  });

  it.each(ROUTES)("GET %s with the right token is accepted", async (path) => {
    const res = await SELF.fetch(`https://pfx.test${path}`, { headers: AUTH });
    expect(res.status).toBe(200);
    await res.text();
  });

  it("a WebSocket upgrade without the token is a 401 and touches no Durable Object", async () => {
    for (const headers of [{}, { Authorization: "Bearer nope" }] as Record<string, string>[]) {
      const touched: string[] = [];
      const res = await worker.fetch(upgrade(headers), trappedEnv(touched, TOKEN));
      expect(res.status).toBe(401);
      expect(touched).toEqual([]);
    }
  });

  it("with the right token the upgrade reaches the controller (the trap works)", async () => {
    const touched: string[] = [];
    await expect(worker.fetch(upgrade(AUTH), trappedEnv(touched, TOKEN))).rejects.toThrow("CONTROLLER touched");
    expect(touched.length).toBeGreaterThan(0);
  });

  it("the real upgrade with the token opens a socket (101)", async () => {
    const res = await SELF.fetch("https://pfx.test/ws", { headers: { Upgrade: "websocket", ...AUTH } });
    expect(res.status).toBe(101);
    res.webSocket!.accept();
    res.webSocket!.close(1000, "done");
  });

  it("fails closed when PFX_TOKEN is not configured: 503 naming the secret, no Durable Object, /health still 200", async () => {
    for (const token of [undefined, ""]) {
      const touched: string[] = [];
      const e = trappedEnv(touched, token);
      for (const req of [new Request("https://pfx.test/version", { headers: AUTH }), upgrade(AUTH), upgrade()]) {
        const res = await worker.fetch(req, e);
        expect(res.status).toBe(503);
        expect(await res.text()).toContain("wrangler secret put PFX_TOKEN");
      }
      expect(touched).toEqual([]);
      const health = await worker.fetch(new Request("https://pfx.test/health"), e);
      expect(health.status).toBe(200);
    }
  });
});

describe("MAX_DELAY_MS", () => {
  it("caps /delay/{ms} by the var", async () => {
    const e = { ...env, PFX_TOKEN: TOKEN, MAX_DELAY_MS: 50 } as unknown as Env;
    const over = await worker.fetch(new Request("https://pfx.test/delay/51", { headers: AUTH }), e);
    expect(over.status).toBe(400);
    expect(await over.text()).toContain("0..50 ms");
    const ok = await worker.fetch(new Request("https://pfx.test/delay/50", { headers: AUTH }), e);
    expect(ok.status).toBe(200);
    await ok.text();
  });

  it("reads a number or digit string 0..300000; anything else means 30000", () => {
    expect(maxDelayMs(30000)).toBe(30000);
    expect(maxDelayMs("1000")).toBe(1000);
    expect(maxDelayMs(0)).toBe(0);
    expect(maxDelayMs(undefined)).toBe(30000);
    expect(maxDelayMs(-1)).toBe(30000);
    expect(maxDelayMs(300001)).toBe(30000);
    expect(maxDelayMs("abc")).toBe(30000);
  });
});
