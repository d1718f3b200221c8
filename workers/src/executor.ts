import { RpcTarget, WorkerEntrypoint } from "cloudflare:workers";
import {
  ORCHESTRATOR_NAME,
  errorMessage,
  originName,
  tag,
  type DeliveryReport,
  type FetchJob,
  type FetchResult,
} from "./protocol";
import { fetchErrorText, fetchUpstream } from "./upstream";

/**
 * FetchExecutor: the stateless Worker that does the slow fetch. It acks at
 * once and fetches in ctx.waitUntil, so its caller (origin or orchestrator)
 * is not kept busy; Workers are billed CPU time, not the wall time spent
 * waiting for the upstream. The result goes back to the origin DO over RPC
 * (OriginDO.deliverResult); for `current` the orchestrator also gets a
 * delivery report.
 */
export class FetchExecutor extends WorkerEntrypoint<Env> {
  /** simple and current: ack now, fetch and deliver in the background. */
  async executeFetch(job: FetchJob): Promise<void> {
    tag(job.batchId, job.op, "fetch");
    this.ctx.waitUntil(runJob(this.env, job));
  }

  /** rpctarget: hand out an RpcTarget whose execute() does the same. */
  target(): ExecutorTarget {
    return new ExecutorTarget(this.env, this.ctx);
  }
}

/** The RpcTarget flavour of the executor (approach `rpctarget`). */
export class ExecutorTarget extends RpcTarget {
  constructor(
    private readonly env: Env,
    private readonly ctx: ExecutionContext,
  ) {
    super();
  }

  execute(job: FetchJob): void {
    tag(job.batchId, job.op, "rpctarget");
    this.ctx.waitUntil(runJob(this.env, job));
  }
}

/** Fetches the upstream, consumes the body, delivers the result to the origin, reports to the orchestrator. */
async function runJob(env: Env, job: FetchJob): Promise<void> {
  let result: FetchResult;
  try {
    const res = await fetchUpstream(env, job.url, AbortSignal.timeout(job.fetchTimeoutMs));
    const body = await res.text();
    result = { reqId: job.reqId, batchId: job.batchId, op: job.op, mode: job.mode, status: res.status, body };
  } catch (e) {
    result = {
      reqId: job.reqId,
      batchId: job.batchId,
      op: job.op,
      mode: job.mode,
      status: 0,
      body: "",
      error: fetchErrorText(e, job.fetchTimeoutMs),
    };
  }

  let delivered = false;
  let deliveryError: string | undefined;
  try {
    await env.ORIGIN_DO.getByName(job.origin ?? originName(job.mode)).deliverResult(result);
    delivered = true;
  } catch (e) {
    deliveryError = errorMessage(e);
    console.error("deliver result to the origin failed:", deliveryError, job.batchId, job.op);
  }

  if (job.reportToOrchestrator) {
    const report: DeliveryReport = {
      reqId: job.reqId,
      batchId: job.batchId,
      op: job.op,
      delivered,
      ...(deliveryError !== undefined ? { error: deliveryError } : {}),
    };
    try {
      await env.FETCH_ORCHESTRATOR.getByName(ORCHESTRATOR_NAME).reportDelivery(report);
    } catch (e) {
      console.error("delivery report to the orchestrator failed:", errorMessage(e), job.batchId, job.op);
    }
  }
}
