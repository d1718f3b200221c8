import { DurableObject } from "cloudflare:workers";
import {
  errorMessage,
  originName,
  tag,
  type DeliveryReport,
  type FetchJob,
  type FetchResult,
} from "./protocol";

interface Queued {
  job: FetchJob;
  dispatched: boolean;
  /** Epoch ms after which a dispatched job without a delivery report is dropped. */
  deadline: number;
}

const QUEUE_PREFIX = "queue:";
/** How long past the fetch timeout a dispatched job may wait for its delivery report. */
const REPORT_SLACK_MS = 10_000;

/**
 * FetchOrchestrator (the `current` approach, proxyFetch): a single instance
 * that queues requests in storage and acks at once; its alarm dispatches them
 * to the FetchExecutor entrypoint (which acks at once too); the executor
 * reports delivery back with reportDelivery(), which removes the entry.
 */
export class FetchOrchestrator extends DurableObject<Env> {
  /** RPC from an origin: queue the job and ack. */
  async enqueue(job: FetchJob): Promise<void> {
    tag(job.batchId, job.op, "enqueue");
    const q: Queued = {
      job,
      dispatched: false,
      deadline: Date.now() + job.fetchTimeoutMs + REPORT_SLACK_MS,
    };
    this.ctx.storage.kv.put(QUEUE_PREFIX + job.reqId, q);
    // Dispatch runs as its own alarm invocation, right away.
    await this.ctx.storage.setAlarm(Date.now());
  }

  /** Dispatches queued jobs; drops dispatched ones whose report never came. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    const toDispatch: Queued[] = [];
    for (const [key, q] of this.ctx.storage.kv.list<Queued>({ prefix: QUEUE_PREFIX })) {
      if (!q.dispatched) {
        toDispatch.push(q);
      } else if (q.deadline <= now) {
        tag(q.job.batchId, q.job.op, "expire");
        console.log("no delivery report, dropping", q.job.reqId);
        this.ctx.storage.kv.delete(key);
      }
    }
    if (toDispatch.length === 0) console.log("orchestrator alarm with nothing to dispatch");
    for (const q of toDispatch) {
      tag(q.job.batchId, q.job.op, "dispatch");
      const key = QUEUE_PREFIX + q.job.reqId;
      try {
        await this.env.EXECUTOR.executeFetch({ ...q.job, reportToOrchestrator: true });
        // Mark dispatched unless the report already removed it.
        if (this.ctx.storage.kv.get(key) !== undefined) {
          this.ctx.storage.kv.put(key, { ...q, dispatched: true });
        }
      } catch (e) {
        this.ctx.storage.kv.delete(key);
        // Deliver the failure to the origin so the op ends now, not at the backstop.
        const r: FetchResult = {
          reqId: q.job.reqId,
          batchId: q.job.batchId,
          op: q.job.op,
          mode: q.job.mode,
          status: 0,
          body: "",
          error: `dispatch failed: ${errorMessage(e)}`,
        };
        try {
          await this.env.ORIGIN_DO.getByName(q.job.origin ?? originName(q.job.mode)).deliverResult(r);
        } catch (e2) {
          console.error("could not tell the origin about the failed dispatch:", errorMessage(e2));
        }
      }
    }
    await this.armCleanup();
  }

  /** RPC from the executor: the result was handed to the origin (or not). */
  async reportDelivery(r: DeliveryReport): Promise<void> {
    tag(r.batchId, r.op, "delivered");
    if (!r.delivered) {
      console.error("result not delivered to the origin", r.reqId, r.error ?? "");
    }
    this.ctx.storage.kv.delete(QUEUE_PREFIX + r.reqId);
    await this.armCleanup();
  }

  /** Keeps an alarm only while dispatched jobs await a report (cleanup), none when the queue is empty. */
  private async armCleanup(): Promise<void> {
    let earliest = Infinity;
    let undispatched = false;
    for (const [, q] of this.ctx.storage.kv.list<Queued>({ prefix: QUEUE_PREFIX })) {
      if (!q.dispatched) undispatched = true;
      else earliest = Math.min(earliest, q.deadline);
    }
    if (undispatched) return; // a dispatch alarm is already set (or running)
    if (earliest === Infinity) {
      await this.ctx.storage.deleteAlarm();
    } else {
      await this.ctx.storage.setAlarm(earliest);
    }
  }
}
