// Test files see the Worker's bindings through "cloudflare:test" / "cloudflare:workers".
import "../src/env";
