// Wire protocol (client ⇄ PerformanceController) and the messages the roles
// pass to each other over RPC. The WebSocket side matches the Go package
// internal/protocol; wording of errors matches the Go emulator.

/**
 * The approaches this Worker offers, in /patterns order. `optional: true`
 * marks a variant that pfx-tui runs only when named (--approaches) or ticked,
 * not by default.
 */
export const PATTERNS = [
  {
    mode: "direct",
    name: "Direct Fetch",
    description:
      "The origin DO fetches the upstream itself and pays wall-clock duration while it waits (baseline).",
  },
  {
    mode: "current",
    name: "proxyFetch (Orchestrator)",
    description:
      "Origin DO → Orchestrator DO (queue + alarm) → executor Worker → result back to the origin DO over RPC.",
  },
  {
    mode: "simple",
    name: "proxyFetchSimple",
    description:
      "Origin DO → executor Worker → result back to the origin DO; an alarm is the timeout backstop.",
  },
  {
    mode: "rpctarget",
    name: "proxyFetchSimple (RpcTarget)",
    description:
      "Like simple, but the origin calls an RpcTarget returned by the executor entrypoint instead of an entrypoint method.",
  },
  {
    mode: "direct-timer",
    name: "Direct Fetch (pending timer)",
    description:
      "Like direct, but the fetch's AbortSignal.timeout(d + 30 s) stays pending after the fetch ends, as direct once did; " +
      "a pending timer can keep the origin DO from hibernating and so be billed. It exists to measure that cost against the fair direct baseline.",
    // Not run unless asked for (pfx-tui --approaches, or ticked in its setup screen).
    optional: true,
  },
] as const;

export type Mode = (typeof PATTERNS)[number]["mode"];

export const MODES: readonly Mode[] = PATTERNS.map((p) => p.mode);

export function isMode(s: unknown): s is Mode {
  return typeof s === "string" && (MODES as readonly string[]).includes(s);
}

/** Bounds of the delay upstream: /delay/{0..MAX_DELAY_MS}, unless the MAX_DELAY_MS var says otherwise. */
export const MAX_DELAY_MS = 30_000;
/**
 * The delay cap from the MAX_DELAY_MS var (a number or digit string,
 * 0..MAX_TIMEOUT_MS); anything else means MAX_DELAY_MS. It bounds what one op
 * can hold open on the owner's bill, for /delay/{ms} and run-batch durationMs.
 */
export function maxDelayMs(raw: unknown): number {
  let n: number | undefined;
  if (typeof raw === "number") n = raw;
  else if (typeof raw === "string" && /^\s*\d+\s*$/.test(raw)) n = Number.parseInt(raw, 10);
  if (n === undefined || !Number.isInteger(n) || n < 0 || n > MAX_TIMEOUT_MS) return MAX_DELAY_MS;
  return n;
}
/** Upstream delay when run-batch has no durationMs. */
export const DEFAULT_DURATION_MS = 100;
/** How long past the upstream delay the origin waits for a proxied result before its backstop fires. */
export const DEFAULT_BACKSTOP_SLACK_MS = 30_000;
/**
 * How long past the backstop the controller waits before it declares the chain
 * stuck, unless the GUARD_SLACK_MS var says otherwise (wrangler.jsonc sets this
 * same 5000; the vitest config sets a short one so the stuck-chain test is quick).
 */
export const DEFAULT_GUARD_SLACK_MS = 5_000;
/** Largest GUARD_SLACK_MS honoured. */
export const MAX_GUARD_SLACK_MS = 300_000;

/**
 * The guard slack from the GUARD_SLACK_MS var: a whole number of ms in
 * 0..MAX_GUARD_SLACK_MS, as a JSON number (wrangler.jsonc) or a decimal string
 * (`wrangler dev --var GUARD_SLACK_MS:1000`, a dashboard text var). Anything
 * else (absent, empty, negative, fractional, too large) gives the default.
 */
export function guardSlackMs(raw: unknown): number {
  let n: number | undefined;
  if (typeof raw === "number") n = raw;
  else if (typeof raw === "string" && /^\s*\d+\s*$/.test(raw)) n = Number.parseInt(raw, 10);
  if (n === undefined || !Number.isInteger(n) || n < 0 || n > MAX_GUARD_SLACK_MS) return DEFAULT_GUARD_SLACK_MS;
  return n;
}
/** Largest timeoutMs a client may ask for. */
export const MAX_TIMEOUT_MS = 300_000;
/** Largest count per batch (a sanity bound, not a protocol rule). */
export const MAX_COUNT = 10_000;
/** errorMessages in batch-complete is bounded; the errors count stays exact. */
export const MAX_ERROR_MESSAGES = 20;

/** The op error when the origin's backstop alarm wins over the result. */
export const TIMEOUT_ERROR = "timeout: no result before the backstop alarm";

/**
 * The single client message. durationMs, batchId, timeoutMs, upstreamStatus
 * and simulate are our extensions (Lumenize servers ignore them).
 */
export interface RunBatch {
  action: "run-batch";
  mode: string;
  count: number;
  /** Upstream delay per op (default 100). */
  durationMs: number;
  /** Tag for billing attribution; generated ("anon-…") when absent. */
  batchId: string;
  /** The origin's timeout backstop per op in ms (default durationMs + 30 s). */
  timeoutMs: number;
  /** The HTTP status the delay upstream answers with (default 200); for error-path runs. */
  upstreamStatus: number;
  /** Test hook: "stuck" makes the origin drop the op (no dispatch, no backstop). */
  simulate?: "stuck";
  /** Ops kept in flight (0 = one at a time, no op frames); >0 sends an op frame per op. */
  concurrency: number;
  /** Origin objects the ops are spread over (op i on object i mod objects; 0 or 1 = one). */
  objects: number;
  /** Fresh origin objects for this batch, named from its batchId. */
  cold: boolean;
}

/** Bounds of run-batch's concurrency and objects (pfx-tui's MaxConcurrency, MaxObjects). */
export const MAX_CONCURRENCY = 64;
export const MAX_OBJECTS = 1024;

export type Frame =
  | { type: "batch-started"; mode: string; count: number }
  | { type: "timing-start"; mode: string }
  | { type: "progress"; mode: string; total: number; completed: number }
  | { type: "timing-end"; mode: string }
  | { type: "op"; mode: string; op: number; startMs: number; ms: number; error?: string }
  | {
      type: "batch-complete";
      mode: string;
      completed: number;
      errors: number;
      errorMessages: string[];
    }
  | { type: "error"; error: string };

export function unknownModeError(mode: string): string {
  return `Unknown mode: ${mode}. Available: ${MODES.join(", ")}`;
}

function isInt(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v);
}

/** Parses and checks a run-batch message; throws an Error whose message is sent as the error frame. */
export function decodeRunBatch(text: string, maxDelay: number = MAX_DELAY_MS): RunBatch {
  let raw: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      throw new Error("not a JSON object");
    }
    raw = v as Record<string, unknown>;
  } catch (e) {
    throw new Error(`invalid JSON: ${errorMessage(e)}`);
  }
  if (raw.action !== "run-batch") {
    throw new Error(`Unknown action: ${String(raw.action)}`);
  }
  const count = raw.count;
  if (!isInt(count) || count < 1) {
    throw new Error(`count must be at least 1, got ${String(count)}`);
  }
  if (count > MAX_COUNT) {
    throw new Error(`count must be at most ${MAX_COUNT}, got ${count}`);
  }
  let durationMs = DEFAULT_DURATION_MS;
  if (raw.durationMs !== undefined && raw.durationMs !== null) {
    if (!isInt(raw.durationMs) || raw.durationMs < 0 || raw.durationMs > maxDelay) {
      throw new Error(`durationMs must be 0..${maxDelay}, got ${String(raw.durationMs)}`);
    }
    durationMs = raw.durationMs;
  }
  let timeoutMs = durationMs + DEFAULT_BACKSTOP_SLACK_MS;
  if (raw.timeoutMs !== undefined && raw.timeoutMs !== null) {
    if (!isInt(raw.timeoutMs) || raw.timeoutMs < 1 || raw.timeoutMs > MAX_TIMEOUT_MS) {
      throw new Error(`timeoutMs must be 1..${MAX_TIMEOUT_MS}, got ${String(raw.timeoutMs)}`);
    }
    timeoutMs = raw.timeoutMs;
  }
  let upstreamStatus = 200;
  if (raw.upstreamStatus !== undefined && raw.upstreamStatus !== null) {
    if (!isInt(raw.upstreamStatus) || raw.upstreamStatus < 200 || raw.upstreamStatus > 599) {
      throw new Error(`upstreamStatus must be 200..599, got ${String(raw.upstreamStatus)}`);
    }
    upstreamStatus = raw.upstreamStatus;
  }
  if (raw.simulate !== undefined && raw.simulate !== null && raw.simulate !== "stuck") {
    throw new Error(`simulate must be "stuck", got ${String(raw.simulate)}`);
  }
  let concurrency = 0;
  if (raw.concurrency !== undefined && raw.concurrency !== null) {
    if (!isInt(raw.concurrency) || raw.concurrency < 0 || raw.concurrency > MAX_CONCURRENCY) {
      throw new Error(`concurrency must be 0..${MAX_CONCURRENCY}, got ${String(raw.concurrency)}`);
    }
    concurrency = raw.concurrency;
  }
  let objects = 0;
  if (raw.objects !== undefined && raw.objects !== null) {
    if (!isInt(raw.objects) || raw.objects < 0 || raw.objects > MAX_OBJECTS) {
      throw new Error(`objects must be 0..${MAX_OBJECTS}, got ${String(raw.objects)}`);
    }
    objects = raw.objects;
  }
  const batchId =
    typeof raw.batchId === "string" && raw.batchId.trim() !== ""
      ? raw.batchId.trim()
      : `anon-${crypto.randomUUID().slice(0, 8)}`;
  return {
    action: "run-batch",
    mode: typeof raw.mode === "string" ? raw.mode : String(raw.mode),
    count,
    durationMs,
    batchId,
    timeoutMs,
    upstreamStatus,
    ...(raw.simulate === "stuck" ? { simulate: "stuck" as const } : {}),
    concurrency,
    objects,
    cold: raw.cold === true,
  };
}

// ---- messages between the roles (RPC arguments) ----

/** Controller → origin: run one op. */
export interface OpRequest {
  batchId: string;
  op: number;
  mode: Mode;
  /** Upstream URL including ?batch=&op= so the upstream invocation is tagged too. */
  url: string;
  /** The controller to notify (PerformanceController id, hex). */
  controllerId: string;
  /** Timeout backstop for this op, ms from its start. */
  backstopMs: number;
  simulate?: "stuck";
  /** The origin object's name, when the batch names its objects (objects, cold): tags name it. */
  object?: string;
}

/** Origin → controller, as startOp's return: for direct the op is finished; pending means opDone follows. */
export interface OpStart {
  pending: boolean;
  error?: string;
}

/** A fetch handed to the executor (directly, via the orchestrator, or via the RpcTarget). */
export interface FetchJob {
  reqId: string;
  batchId: string;
  op: number;
  mode: Mode;
  url: string;
  /** The executor aborts the upstream fetch after this long. */
  fetchTimeoutMs: number;
  /** Set by the orchestrator: the executor reports delivery back to it. */
  reportToOrchestrator?: boolean;
  /** The origin object to deliver to when the batch named it (objects, cold); else originName(mode). */
  origin?: string;
}

/** Executor (or orchestrator on dispatch failure) → origin: the fetch result. */
export interface FetchResult {
  reqId: string;
  batchId: string;
  op: number;
  mode: Mode;
  status: number;
  body: string;
  error?: string;
}

/** Origin → controller: the op's result reached the origin (or its backstop fired). */
export interface OpDone {
  batchId: string;
  op: number;
  error?: string;
}

/** Executor → orchestrator: the result was (or was not) handed to the origin. */
export interface DeliveryReport {
  reqId: string;
  batchId: string;
  op: number;
  delivered: boolean;
  error?: string;
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/**
 * The billing tag: every invocation logs it first so Logpush records can be
 * attributed. The step names the invocation within its op (op, result,
 * enqueue, …) so two invocations of one class in the same millisecond never
 * produce identical records, which Logpush deduplication would count once.
 */
export function tag(batchId: string, op: number, step: string, object?: string): void {
  if (object) {
    console.log("pfx", batchId, op, step, object);
    return;
  }
  console.log("pfx", batchId, op, step);
}

/**
 * The origin object an op of a batch runs on (pfx-tui's protocol.OriginObject):
 * one warm object "origin-<mode>"; several, "origin-<mode>-<run>-<i>" shared by
 * the run's batches (run = batchId without its last "-NNN", a retry's
 * "-NNN.r<attempt>" included: pfx-tui's protocol.BatchID); cold,
 * "origin-<mode>-<batchId>-<i>", objects no earlier batch touched.
 */
export function originObject(mode: Mode, batchId: string, objects: number, cold: boolean, op: number): string {
  if (objects <= 1 && !cold) return originName(mode);
  let base = batchId;
  if (!cold) {
    const i = batchId.lastIndexOf("-");
    if (i > 0) base = batchId.slice(0, i);
  }
  return `origin-${mode}-${base}-${op % Math.max(objects, 1)}`;
}

/** Name of the origin DO instance of an approach. */
export function originName(mode: Mode): string {
  return `origin-${mode}`;
}

/** Name of the (single) orchestrator DO instance. */
export const ORCHESTRATOR_NAME = "orchestrator";
