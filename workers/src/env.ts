import type { PerformanceController } from "./controller";
import type { FetchExecutor } from "./executor";
import type { FetchOrchestrator } from "./orchestrator";
import type { OriginDO } from "./origin";

/** Bindings declared in wrangler.jsonc. */
export interface Env {
  CONTROLLER: DurableObjectNamespace<PerformanceController>;
  ORIGIN_DO: DurableObjectNamespace<OriginDO>;
  FETCH_ORCHESTRATOR: DurableObjectNamespace<FetchOrchestrator>;
  /** Service binding to this same Worker's FetchExecutor entrypoint. */
  EXECUTOR: Service<FetchExecutor>;
  /** Service binding to this same Worker's default handler: the delay upstream. */
  SELF: Fetcher;
  /**
   * Optional base URL of an external delay upstream (must serve /delay/{ms}).
   * Empty (the default): the upstream is this Worker, reached through SELF.
   */
  UPSTREAM_URL?: string;
}

type PfxEnv = Env;

declare global {
  namespace Cloudflare {
    // `env` from "cloudflare:workers" / "cloudflare:test" has our bindings.
    interface Env extends PfxEnv {}
  }
}
