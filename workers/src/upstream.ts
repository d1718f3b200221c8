// The delay upstream and how the origin / executor reach it.
//
// By default the upstream is this same Worker's `GET /delay/{ms}`, reached
// through the SELF service binding. That works the same in production, in
// `wrangler dev` and in vitest, and avoids the Worker fetching its own
// hostname over the public internet (on workers.dev a same-zone self-fetch is
// refused or loops back without a separate billed invocation being guaranteed).
// The host part of the URL is kept (the client's base URL) so Logpush's
// Event.Request.URL stays readable; SELF ignores it.
//
// Setting the UPSTREAM_URL var (e.g. another deployment of this Worker, or any
// server with /delay/{ms}) switches to a plain global fetch of that base URL.

import { errorMessage, tag } from "./protocol";

/** Builds the upstream URL for one op; ?batch=&op= let the upstream invocation log the tag. */
export function upstreamURL(
  env: Env,
  clientBase: string,
  durationMs: number,
  batchId: string,
  op: number,
  status: number,
): string {
  const base = (env.UPSTREAM_URL ?? "").trim() || clientBase;
  const u = new URL(`/delay/${durationMs}`, base.endsWith("/") ? base : base + "/");
  u.searchParams.set("batch", batchId);
  u.searchParams.set("op", String(op));
  if (status !== 200) u.searchParams.set("status", String(status));
  return u.toString();
}

/**
 * Fetches the upstream (SELF unless UPSTREAM_URL is set). The caller consumes the body.
 * Through SELF the request passes this Worker's token check, so it carries
 * PFX_TOKEN; an external UPSTREAM_URL never sees the token.
 */
export function fetchUpstream(env: Env, url: string, signal?: AbortSignal): Promise<Response> {
  const init: RequestInit = signal ? { signal } : {};
  if ((env.UPSTREAM_URL ?? "").trim() !== "") {
    return fetch(url, init);
  }
  return env.SELF.fetch(url, { ...init, headers: { authorization: `Bearer ${env.PFX_TOKEN ?? ""}` } });
}

/** Reason text for a fetch that failed or was aborted by its timeout. */
export function fetchErrorText(e: unknown, timeoutMs: number): string {
  if (e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError")) {
    return `timeout: no upstream answer within ${timeoutMs} ms`;
  }
  return `upstream fetch failed: ${errorMessage(e)}`;
}

/**
 * GET /delay/{ms}[?status=NNN&batch=&op=]: sleeps ms, then answers a small
 * text body with the requested status (200 by default).
 */
export async function handleDelay(url: URL, msText: string, maxDelay: number): Promise<Response> {
  const batch = url.searchParams.get("batch");
  if (batch) {
    const op = Number.parseInt(url.searchParams.get("op") ?? "", 10);
    tag(batch, Number.isFinite(op) ? op : -1, "upstream");
  }
  if (!/^\d+$/.test(msText)) {
    return text(400, `delay must be an integer 0..${maxDelay} ms\n`);
  }
  const ms = Number.parseInt(msText, 10);
  if (ms < 0 || ms > maxDelay) {
    return text(400, `delay must be an integer 0..${maxDelay} ms\n`);
  }
  let status = 200;
  const s = url.searchParams.get("status");
  if (s !== null) {
    status = Number.parseInt(s, 10);
    if (!/^\d+$/.test(s) || status < 200 || status > 599) {
      return text(400, "status must be an integer 200..599\n");
    }
  }
  if (ms > 0) await scheduler.wait(ms);
  return text(status, status === 200 ? `delayed ${ms} ms\n` : `delayed ${ms} ms, status ${status}\n`);
}

function text(status: number, body: string): Response {
  return new Response(body, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
  });
}
