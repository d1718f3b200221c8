/**
 * pfx-experiment — the system under test for pfx-tui on Cloudflare.
 *
 * It answers one question: when a Durable Object needs the result of a slow
 * fetch, is it cheaper to hand the fetch to a stateless Worker (billed CPU
 * time) than to fetch from the DO itself (billed wall-clock duration)?
 *
 * Classes (their names are the Logpush `Entrypoint`, i.e. the billing role):
 *   PerformanceController  controller   WebSocket batches (hibernation API)
 *   OriginDO               origin       the DO that needs the fetch
 *   FetchOrchestrator      orchestrator queue + alarm dispatch (approach `current`)
 *   FetchExecutor          executor     WorkerEntrypoint: ack, fetch in waitUntil, deliver
 *   default handler        upstream     GET /delay/{ms} (Entrypoint empty)
 *
 * Endpoints: GET /version, GET /patterns, GET /delay/{ms}[?status=NNN];
 * any other path with `Upgrade: websocket` opens a batch socket (use /ws).
 * Every one needs `Authorization: Bearer <PFX_TOKEN>` (a Worker secret; see
 * auth.ts): 401 without it, 503 when the secret is not set. Only GET /health
 * (200 "ok") is open. /delay/{ms} and durationMs are capped by MAX_DELAY_MS.
 *
 * Op flow per approach (→ is an RPC or fetch; each [..] is one invocation):
 *   direct:    controller → [origin startOp] → upstream; the origin awaits the
 *              upstream and consumes the body, clears the fetch's abort timer,
 *              then returns.
 *   direct-timer: the same, but the abort timer (AbortSignal.timeout of the
 *              backstop) stays pending in the origin after it returns.
 *   simple:    controller → [origin startOp: pending in storage + alarm] →
 *              [executor executeFetch: ack; waitUntil → upstream] →
 *              [origin deliverResult] → [controller opDone]
 *   rpctarget: like simple, via [executor target()] whose RpcTarget.execute acks.
 *   current:   controller → [origin startOp] → [orchestrator enqueue: queue + setAlarm(now), ack]
 *              → [orchestrator alarm: dispatch] → [executor executeFetch: ack; waitUntil →
 *              upstream] → [origin deliverResult] → [controller opDone], and
 *              → [orchestrator reportDelivery].
 *   The origin's backstop ([origin alarm]) ends a proxied op with "timeout"
 *   when no result came in time; the pending entry in DO storage is taken
 *   exactly once (synchronous get+delete), so result and timeout never both win.
 *
 * How an op's completion reaches the controller (the choice made here):
 *   The whole batch runs inside the controller's webSocketMessage invocation,
 *   ops one after another. The controller awaits origin.startOp(): for
 *   `direct` that call returns when the origin has the body (the origin is
 *   honestly busy for the upstream's duration). For the proxied approaches
 *   startOp returns as soon as the request is handed off, so the origin is
 *   NOT kept busy while the upstream sleeps; when the result reaches the
 *   origin (deliverResult, or the backstop alarm) the origin calls
 *   controller.opDone() over RPC, which wakes the controller's loop, which
 *   sends `progress` and starts the next op. The controller, not the origin,
 *   carries the wait — it is measurement infrastructure, billed as its own role.
 *   A guard (timeoutMs + GUARD_SLACK_MS per op, 5 s unless the var says
 *   otherwise; setTimeout in the controller) turns a broken chain into an
 *   `error` frame instead of silence.
 *
 * The upstream: the origin / executor fetch `<client base URL>/delay/{ms}`
 * through the SELF service binding (this same Worker's default handler), so
 * it works identically in production, `wrangler dev` and vitest, without a
 * Worker fetching its own hostname over the internet. Set the UPSTREAM_URL
 * var to use an external delay server through global fetch instead.
 *
 * run-batch extensions (ignored by Lumenize servers): durationMs (default 100),
 * batchId (billing tag; default "anon-…"), timeoutMs (the origin's backstop,
 * default durationMs + 30000), upstreamStatus (the status the delay upstream
 * answers, default 200), simulate:"stuck" (test hook: the origin drops the op).
 *
 * Every invocation logs console.log("pfx", batchId, op) first (op -1 for the
 * batch as a whole) so Logpush records can be attributed exactly.
 */

import { refuse } from "./auth";
import { PATTERNS, maxDelayMs } from "./protocol";
import { handleDelay } from "./upstream";

export { PerformanceController } from "./controller";
export { OriginDO } from "./origin";
export { FetchOrchestrator } from "./orchestrator";
export { FetchExecutor } from "./executor";

const DELAY_PATH = /^\/delay\/([^/]*)\/?$/;

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);

    if ((request.method === "GET" || request.method === "HEAD") && url.pathname === "/health") {
      return new Response("ok\n", { headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } });
    }
    // Before anything else, in particular before any Durable Object is addressed.
    const refused = await refuse(request, env);
    if (refused) return refused;

    if (request.headers.get("Upgrade")?.toLowerCase() === "websocket") {
      const batch = url.searchParams.get("batch");
      if (batch) console.log("pfx", batch, -1, "router");
      // One controller per WebSocket: batches never share state, even when an
      // abandoned socket of an earlier batch is still open.
      const stub = env.CONTROLLER.get(env.CONTROLLER.newUniqueId());
      return stub.fetch(request);
    }

    if (request.method === "GET" || request.method === "HEAD") {
      if (url.pathname === "/version") {
        // Where the controller runs (request.cf: the colo and country that
        // served this request); absent under a local runtime without cf.
        const cf = request.cf as { colo?: unknown; country?: unknown } | undefined;
        return json({
          version: 1,
          timestamp: Date.now(),
          capabilities: ["durationMs", "batchId", "progressEveryOp", "concurrency", "objects"],
          ...(typeof cf?.colo === "string" && cf.colo !== "" ? { colo: cf.colo } : {}),
          ...(typeof cf?.country === "string" && cf.country !== "" ? { country: cf.country } : {}),
        });
      }
      if (url.pathname === "/patterns") {
        return json({ patterns: PATTERNS });
      }
      const m = DELAY_PATH.exec(url.pathname);
      if (m) {
        return handleDelay(url, m[1] ?? "", maxDelayMs(env.MAX_DELAY_MS));
      }
    }

    return new Response(
      "not found: use GET /health, GET /version, GET /patterns, GET /delay/{ms} or a WebSocket on /ws\n",
      { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } },
    );
  },
} satisfies ExportedHandler<Env>;
