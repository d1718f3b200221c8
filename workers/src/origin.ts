import { DurableObject } from "cloudflare:workers";
import {
  ORCHESTRATOR_NAME,
  TIMEOUT_ERROR,
  errorMessage,
  tag,
  type FetchJob,
  type FetchResult,
  type Mode,
  type OpDone,
  type OpRequest,
  type OpStart,
} from "./protocol";
import { fetchErrorText, fetchUpstream } from "./upstream";

/** A proxied op waiting for its result, kept in storage so the backstop survives eviction. */
interface Pending {
  reqId: string;
  batchId: string;
  op: number;
  mode: Mode;
  controllerId: string;
  /** Epoch ms when the backstop fires. */
  deadline: number;
}

const PENDING_PREFIX = "pending:";

/** How much longer than the backstop the executor lets the upstream fetch run (so the backstop decides). */
const EXECUTOR_FETCH_GRACE_MS = 1_000;

/**
 * OriginDO: the Durable Object that needs the slow fetch. One instance per
 * approach (getByName("origin-<mode>")).
 *
 * - direct:    startOp fetches the upstream itself, consumes the body and
 *              returns: this DO's invocation lasts as long as the upstream.
 *              The fetch's abort timer is cleared once the fetch settles, so
 *              nothing is left pending in the DO after the op.
 * - direct-timer: the same, but with AbortSignal.timeout(backstopMs), whose
 *              timer stays pending until backstopMs after the op started
 *              (d + 30 s by default) even though the fetch ended long before.
 *              That is how direct used to be written; a pending timer can keep
 *              a DO from hibernating and so add billed duration, and this mode
 *              measures that against the fair direct baseline.
 * - simple:    startOp records the op in storage, arms the alarm backstop,
 *              calls EXECUTOR.executeFetch (which acks at once) and returns.
 * - rpctarget: the same, through the RpcTarget from EXECUTOR.target().
 * - current:   the same backstop, but the request goes to FetchOrchestrator,
 *              which queues it and acks.
 * For the proxied approaches the result arrives later as deliverResult()
 * (executor → origin RPC); whichever of deliverResult and alarm() removes the
 * pending entry first decides the op (the atomic cancel), then the controller
 * is told with opDone().
 */
export class OriginDO extends DurableObject<Env> {
  /** This object's name when a batch named it (objects, cold): its tags carry it. */
  private objectName: string | undefined;

  /** RPC from the controller: run one op. */
  async startOp(req: OpRequest): Promise<OpStart> {
    if (req.object) this.objectName = req.object;
    tag(req.batchId, req.op, "op", this.objectName);
    if (req.mode === "direct") {
      return this.direct(req);
    }
    if (req.mode === "direct-timer") {
      return this.directTimer(req);
    }
    const reqId = crypto.randomUUID();
    if (req.simulate === "stuck") {
      // Test hook: neither dispatch nor backstop; only the controller's guard can end this op.
      return { pending: true };
    }
    const pending: Pending = {
      reqId,
      batchId: req.batchId,
      op: req.op,
      mode: req.mode,
      controllerId: req.controllerId,
      deadline: Date.now() + req.backstopMs,
    };
    this.ctx.storage.kv.put(PENDING_PREFIX + reqId, pending);
    await this.armAlarm();

    const job: FetchJob = {
      reqId,
      batchId: req.batchId,
      op: req.op,
      mode: req.mode,
      url: req.url,
      fetchTimeoutMs: req.backstopMs + EXECUTOR_FETCH_GRACE_MS,
      ...(req.object ? { origin: req.object } : {}),
    };
    try {
      switch (req.mode) {
        case "simple":
          await this.env.EXECUTOR.executeFetch(job);
          break;
        case "rpctarget": {
          const target = await this.env.EXECUTOR.target();
          try {
            await target.execute(job);
          } finally {
            target[Symbol.dispose]();
          }
          break;
        }
        case "current": {
          await this.env.FETCH_ORCHESTRATOR.getByName(ORCHESTRATOR_NAME).enqueue(job);
          break;
        }
      }
    } catch (e) {
      // The hand-off failed: end the op now unless the result already arrived.
      if (this.take(reqId)) {
        await this.armAlarm();
        return { pending: false, error: `dispatch failed: ${errorMessage(e)}` };
      }
    }
    return { pending: true };
  }

  /** direct: the upstream fetch with an abort timer that is cleared as soon as the fetch settles. */
  private async direct(req: OpRequest): Promise<OpStart> {
    const ac = new AbortController();
    const timer = setTimeout(() => {
      ac.abort(new DOMException(`no upstream answer within ${req.backstopMs} ms`, "TimeoutError"));
    }, req.backstopMs);
    try {
      return await this.fetchAndConsume(req, ac.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  /** direct-timer: the original direct; AbortSignal.timeout's timer outlives the fetch. */
  private directTimer(req: OpRequest): Promise<OpStart> {
    return this.fetchAndConsume(req, AbortSignal.timeout(req.backstopMs));
  }

  /** Fetches the upstream with `signal` and reads the whole body: the response is part of the op. */
  private async fetchAndConsume(req: OpRequest, signal: AbortSignal): Promise<OpStart> {
    try {
      const res = await fetchUpstream(this.env, req.url, signal);
      const body = await res.text();
      if (res.status >= 400) {
        return { pending: false, error: `upstream answered HTTP ${res.status}` };
      }
      void body.length;
      return { pending: false };
    } catch (e) {
      return { pending: false, error: fetchErrorText(e, req.backstopMs) };
    }
  }

  /** RPC from the executor (or the orchestrator on a failed dispatch): the fetch result. */
  async deliverResult(r: FetchResult): Promise<boolean> {
    tag(r.batchId, r.op, "result", this.objectName);
    const p = this.take(r.reqId);
    if (!p) {
      // The backstop already fired (or a duplicate delivery): drop it.
      console.log("late result ignored", r.batchId, r.op);
      return false;
    }
    await this.armAlarm();
    // Consume the body the executor read for us.
    void r.body.length;
    let error = r.error;
    if (error === undefined && r.status >= 400) error = `upstream answered HTTP ${r.status}`;
    await this.notify(p, error);
    return true;
  }

  /** The timeout backstop: every pending op past its deadline ends as "timeout". */
  override async alarm(): Promise<void> {
    const now = Date.now();
    const expired: Pending[] = [];
    for (const [key, p] of this.ctx.storage.kv.list<Pending>({ prefix: PENDING_PREFIX })) {
      if (p.deadline <= now) {
        this.ctx.storage.kv.delete(key);
        expired.push(p);
      }
    }
    if (expired.length === 0) console.log("origin alarm with nothing expired");
    for (const p of expired) tag(p.batchId, p.op, "backstop", this.objectName);
    await this.armAlarm();
    for (const p of expired) {
      await this.notify(p, TIMEOUT_ERROR);
    }
  }

  /** Removes a pending op; only the caller that gets it decides the outcome. Synchronous, so atomic. */
  private take(reqId: string): Pending | undefined {
    const key = PENDING_PREFIX + reqId;
    const p = this.ctx.storage.kv.get<Pending>(key);
    if (p === undefined) return undefined;
    this.ctx.storage.kv.delete(key);
    return p;
  }

  /** Points the alarm at the earliest pending deadline, or removes it when nothing is pending. */
  private async armAlarm(): Promise<void> {
    let earliest = Infinity;
    for (const [, p] of this.ctx.storage.kv.list<Pending>({ prefix: PENDING_PREFIX })) {
      earliest = Math.min(earliest, p.deadline);
    }
    if (earliest === Infinity) {
      await this.ctx.storage.deleteAlarm();
    } else {
      await this.ctx.storage.setAlarm(earliest);
    }
  }

  private async notify(p: Pending, error: string | undefined): Promise<void> {
    const ns = this.env.CONTROLLER;
    const controller = ns.get(ns.idFromString(p.controllerId));
    const d: OpDone = { batchId: p.batchId, op: p.op, ...(error !== undefined ? { error } : {}) };
    try {
      await controller.opDone(d);
    } catch (e) {
      console.error("notify controller failed:", errorMessage(e), p.batchId, p.op);
    }
  }
}
