import { SELF } from "cloudflare:test";

/** The PFX_TOKEN vitest.config.ts gives the Worker. */
export const TOKEN = "test-token";
/** The header pfx-tui sends on every request. */
export const AUTH = { Authorization: `Bearer ${TOKEN}` } as const;

/** A server frame as received, with the receipt time (ms, performance.now()). */
export interface Received {
  frame: Record<string, unknown> & { type: string };
  at: number;
}

export interface BatchRun {
  frames: Received[];
  /** Close code, if the server closed the socket. */
  closeCode?: number;
}

/**
 * Opens a WebSocket through the Worker's default handler (like pfx-tui does),
 * sends one run-batch message and collects frames until batch-complete or
 * error (then waits `linger` ms for a server-side close).
 */
export async function runBatch(
  msg: Record<string, unknown>,
  opts: { timeoutMs?: number; path?: string; linger?: number } = {},
): Promise<BatchRun> {
  const res = await SELF.fetch(`https://pfx.test${opts.path ?? "/ws"}`, {
    headers: { Upgrade: "websocket", ...AUTH },
  });
  if (res.status !== 101 || !res.webSocket) {
    throw new Error(`upgrade failed: HTTP ${res.status} ${await res.text()}`);
  }
  const ws = res.webSocket;
  ws.accept();
  const run: BatchRun = { frames: [] };
  await new Promise<void>((resolve, reject) => {
    let finished = false;
    const timer = setTimeout(() => {
      reject(new Error(`no batch-complete/error within ${opts.timeoutMs ?? 15000} ms; got ${JSON.stringify(run.frames.map((r) => r.frame))}`));
    }, opts.timeoutMs ?? 15_000);
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (opts.linger) {
        setTimeout(resolve, opts.linger);
      } else {
        resolve();
      }
    };
    ws.addEventListener("message", (ev) => {
      const at = performance.now();
      const frame = JSON.parse(typeof ev.data === "string" ? ev.data : new TextDecoder().decode(ev.data as ArrayBuffer));
      run.frames.push({ frame, at });
      if (frame.type === "batch-complete" || frame.type === "error") finish();
    });
    ws.addEventListener("close", (ev) => {
      run.closeCode = ev.code;
      finish();
    });
    ws.send(JSON.stringify(msg));
  });
  if (run.closeCode === undefined) {
    // Close like pfx-tui does, and give the server a moment to answer the close.
    const closed = new Promise<void>((resolve) => {
      ws.addEventListener("close", () => resolve());
      setTimeout(resolve, 500);
    });
    try {
      ws.close(1000, "done");
    } catch {
      // already closed
    }
    await closed;
  }
  return run;
}

export function types(run: BatchRun): string[] {
  return run.frames.map((r) => r.frame.type);
}

export function frameOf(run: BatchRun, type: string): Record<string, unknown> | undefined {
  return run.frames.find((r) => r.frame.type === type)?.frame;
}
