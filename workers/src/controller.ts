import { DurableObject } from "cloudflare:workers";
import {
  MAX_ERROR_MESSAGES,
  decodeRunBatch,
  maxDelayMs,
  errorMessage,
  guardSlackMs,
  isMode,
  originObject,
  tag,
  unknownModeError,
  type Frame,
  type OpDone,
  type OpRequest,
  type RunBatch,
} from "./protocol";
import { upstreamURL } from "./upstream";

/** What the WebSocket remembers across hibernation. */
interface Attachment {
  /** Origin of the WebSocket request, e.g. https://pfx-experiment.example.workers.dev */
  base: string;
  /** Batch tag given as ?batch= on the WebSocket URL, if any. */
  urlBatch?: string;
  /** The batchId of the run-batch message, once received (tags the close invocation). */
  batchId?: string;
}

interface Waiter {
  resolve(d: OpDone): void;
}

/** Thrown when the guard ends a stuck chain. */
class StuckChainError extends Error {
  constructor(op: number, ms: number) {
    super(`op ${op}: no result within ${ms} ms (stuck chain)`);
    this.name = "StuckChainError";
  }
}

/**
 * PerformanceController: one instance per WebSocket (the router picks a unique
 * id per upgrade), so batches never share state even if an old socket lingers.
 *
 * The batch runs inside the webSocketMessage invocation: ops one after
 * another, op i+1 starting once op i's result reached the origin. For direct
 * that is the return of origin.startOp; for the proxied approaches startOp
 * acks at once and the origin later calls opDone() here (a separate
 * worker_rpc invocation of this DO) which wakes the waiting loop.
 */
export class PerformanceController extends DurableObject<Env> {
  private waiters = new Map<string, Waiter>();
  private running = false;
  private clientGone = false;

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const urlBatch = url.searchParams.get("batch") ?? undefined;
    if (urlBatch) tag(urlBatch, -1, "upgrade");
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("PerformanceController: use a WebSocket\n", { status: 426 });
    }
    const pair = new WebSocketPair();
    const client = pair[0];
    const server = pair[1];
    this.ctx.acceptWebSocket(server);
    const att: Attachment = { base: url.origin, ...(urlBatch ? { urlBatch } : {}) };
    server.serializeAttachment(att);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const att = (ws.deserializeAttachment() as Attachment | null) ?? { base: "http://localhost" };
    const text = typeof message === "string" ? message : new TextDecoder().decode(message);
    let req: RunBatch;
    try {
      req = decodeRunBatch(text, maxDelayMs(this.env.MAX_DELAY_MS));
    } catch (e) {
      if (att.urlBatch) tag(att.urlBatch, -1, "bad-request");
      this.send(ws, { type: "error", error: errorMessage(e) });
      return;
    }
    tag(req.batchId, -1, "batch");
    ws.serializeAttachment({ ...att, batchId: req.batchId } satisfies Attachment);
    if (!isMode(req.mode)) {
      this.send(ws, { type: "error", error: unknownModeError(req.mode) });
      return;
    }
    if (this.running) {
      this.send(ws, { type: "error", error: "a batch is already running on this WebSocket" });
      return;
    }
    this.running = true;
    try {
      await this.runBatch(ws, att, req);
    } finally {
      this.running = false;
    }
  }

  private async runBatch(ws: WebSocket, att: Attachment, req: RunBatch): Promise<void> {
    const mode = req.mode;
    if (!isMode(mode)) return;
    const named = req.objects > 1 || req.cold;
    const controllerId = this.ctx.id.toString();
    // The guard sits past the origin's backstop: it only fires when the chain
    // itself is broken (no result and no backstop report).
    const guardMs = req.timeoutMs + guardSlackMs(this.env.GUARD_SLACK_MS);

    if (!this.send(ws, { type: "batch-started", mode, count: req.count })) return;
    if (!this.send(ws, { type: "timing-start", mode })) return;
    const t0 = performance.now();

    let completed = 0;
    let errors = 0;
    let finished = 0;
    let next = 0;
    let stop = false;
    const errorMessages: string[] = [];
    // K workers take ops in order (one at a time when concurrency is absent);
    // a run-batch that names its concurrency gets an op frame per op.
    const worker = async (): Promise<void> => {
      while (!stop && !this.clientGone && next < req.count) {
        const op = next++;
        const object = originObject(mode, req.batchId, req.objects, req.cold, op);
        const origin = this.env.ORIGIN_DO.getByName(object);
        const opReq: OpRequest = {
          batchId: req.batchId,
          op,
          mode,
          url: upstreamURL(this.env, att.base, req.durationMs, req.batchId, op, req.upstreamStatus),
          controllerId,
          backstopMs: req.timeoutMs,
          ...(req.simulate ? { simulate: req.simulate } : {}),
          ...(named ? { object } : {}),
        };
        const start = performance.now();
        let opError: string | undefined;
        try {
          opError = await this.runOp(origin, opReq, guardMs);
        } catch (e) {
          if (e instanceof StuckChainError) {
            if (!stop) {
              stop = true;
              this.send(ws, { type: "error", error: e.message });
              try {
                ws.close(1011, "stuck chain");
              } catch {
                // already closed
              }
            }
            return;
          }
          opError = errorMessage(e);
        }
        if (stop) return;
        const took = performance.now() - start;
        if (opError === undefined) {
          completed++;
        } else {
          errors++;
          if (errorMessages.length < MAX_ERROR_MESSAGES) errorMessages.push(`op ${op}: ${opError}`);
        }
        finished++;
        if (req.concurrency > 0) {
          const f: Extract<Frame, { type: "op" }> = { type: "op", mode, op, startMs: start - t0, ms: took };
          if (opError !== undefined) f.error = opError;
          if (!this.send(ws, f)) return;
        }
        if (!this.send(ws, { type: "progress", mode, total: req.count, completed: finished })) return;
      }
    };
    const k = Math.min(Math.max(req.concurrency, 1), req.count);
    await Promise.all(Array.from({ length: k }, () => worker()));
    if (stop || this.clientGone || finished < req.count) return;
    if (!this.send(ws, { type: "timing-end", mode })) return;
    this.send(ws, { type: "batch-complete", mode, completed, errors, errorMessages });
  }

  /** Runs one op; resolves with its error text (undefined = ok) once the result reached the origin. */
  private async runOp(
    origin: DurableObjectStub<import("./origin").OriginDO>,
    req: OpRequest,
    guardMs: number,
  ): Promise<string | undefined> {
    const key = `${req.batchId}/${req.op}`;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const guard = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StuckChainError(req.op, guardMs)), guardMs);
    });
    const done = new Promise<OpDone>((resolve) => {
      this.waiters.set(key, { resolve });
    });
    try {
      const start = await Promise.race([origin.startOp(req), guard]);
      if (!start.pending) return start.error;
      const d = await Promise.race([done, guard]);
      return d.error;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      this.waiters.delete(key);
    }
  }

  /** RPC from the origin: op `op` of `batchId` finished (result reached the origin, or its backstop fired). */
  async opDone(d: OpDone): Promise<void> {
    tag(d.batchId, d.op, "opdone");
    const w = this.waiters.get(`${d.batchId}/${d.op}`);
    if (!w) {
      console.log("opDone for an op nobody waits for (late or after the guard)", d.batchId, d.op);
      return;
    }
    w.resolve(d);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.clientGone = true;
    this.tagSocket(ws);
    // Reciprocate the close (the hibernation API needs it on every compat date).
    try {
      ws.close(code === 1005 || code === 1006 || code === 1015 ? 1000 : code, reason);
    } catch {
      // already closed
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.clientGone = true;
    this.tagSocket(ws);
  }

  /** Batch-level tag for socket events (close, error) when the batch is known. */
  private tagSocket(ws: WebSocket): void {
    const att = ws.deserializeAttachment() as Attachment | null;
    const id = att?.batchId ?? att?.urlBatch;
    if (id) tag(id, -1, "socket");
  }

  /** Sends a frame; false when the socket is gone (the batch then stops). */
  private send(ws: WebSocket, f: Frame): boolean {
    try {
      ws.send(JSON.stringify(f));
      return true;
    } catch (e) {
      console.log("send failed:", errorMessage(e));
      this.clientGone = true;
      return false;
    }
  }
}
