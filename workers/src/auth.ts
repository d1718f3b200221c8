// Who may use this Worker: whoever holds the shared secret PFX_TOKEN
// (`wrangler secret put PFX_TOKEN`; locally .dev.vars or `wrangler dev --var`).
// Without it anyone who finds the workers.dev URL could open batches of long
// /delay ops on the owner's bill. The check runs in the default handler before
// any Durable Object is addressed, so a refused request costs one short
// Worker invocation and nothing else.

/** The header pfx-tui sends: `Authorization: Bearer <PFX_TOKEN>`. */
export const AUTH_HEADER = "authorization";

function plain(status: number, body: string, extra: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...extra },
  });
}

async function digest(s: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(s));
}

/**
 * Compares two strings in constant time (for a given configured token): both
 * are hashed to 32 bytes first, so neither the length nor the first differing
 * byte shows in the timing.
 */
export async function sameSecret(given: string, want: string): Promise<boolean> {
  const [a, b] = await Promise.all([digest(given), digest(want)]);
  return crypto.subtle.timingSafeEqual(a, b);
}

/**
 * Refuses a request without the right token: a Response to return (401, or
 * 503 when PFX_TOKEN is not configured at all: fail closed), or null when the
 * request may go on.
 */
export async function refuse(request: Request, env: Env): Promise<Response | null> {
  const want = typeof env.PFX_TOKEN === "string" ? env.PFX_TOKEN : "";
  if (want === "") {
    return plain(
      503,
      "PFX_TOKEN is not configured: this Worker refuses every request but /health until it is " +
        "(`npx wrangler secret put PFX_TOKEN`; locally set PFX_TOKEN in workers/.dev.vars)\n",
    );
  }
  const header = request.headers.get(AUTH_HEADER) ?? "";
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!m || !(await sameSecret(m[1] ?? "", want))) {
    return plain(
      401,
      header === "" ? "missing Authorization: Bearer <PFX_TOKEN>\n" : "wrong token in Authorization: Bearer <PFX_TOKEN>\n",
      { "www-authenticate": 'Bearer realm="pfx-experiment"' },
    );
  }
  return null;
}
