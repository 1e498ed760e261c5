import { randomUUID } from "node:crypto";
import type { HostMemoryRequest, HostMemoryResult } from "@deskfleet/protocol";
import { encodeHostMessage } from "@deskfleet/protocol";

/**
 * The desktop agent's memory tools over the control channel: each request
 * goes out as `memory_request` and waits for its `memory_response`. Unlike
 * events these are not kept for resending: a request that cannot be sent or
 * is not answered in time fails at once, and the model is told to carry on.
 */
export class MemoryRequests {
  readonly #send: (json: string) => boolean;
  readonly #timeoutMs: number;
  readonly #pending = new Map<string, { resolve: (r: HostMemoryResult) => void; timer: ReturnType<typeof setTimeout> }>();

  constructor(send: (json: string) => boolean, timeoutMs = 15_000) {
    this.#send = send;
    this.#timeoutMs = timeoutMs;
  }

  ask(taskId: string, request: HostMemoryRequest, signal?: AbortSignal): Promise<HostMemoryResult> {
    const requestId = randomUUID();
    const failed = (code: string, message: string): HostMemoryResult => ({ ok: false, error: { code, message } });
    if (!this.#send(encodeHostMessage({ type: "memory_request", requestId, taskId, request }))) {
      return Promise.resolve(failed("offline", "the control plane is not connected right now; carry on without memory"));
    }
    return new Promise((resolve) => {
      const done = (r: HostMemoryResult) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#pending.delete(requestId);
        resolve(r);
      };
      const onAbort = () => done(failed("cancelled", "the task was cancelled"));
      const timer = setTimeout(() => done(failed("timeout", `the control plane did not answer within ${Math.round(this.#timeoutMs / 1000)} s; carry on without memory`)), this.#timeoutMs);
      timer.unref?.();
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#pending.set(requestId, { resolve: done, timer });
    });
  }

  /** A `memory_response`; false when nothing waits for it (timed out, or not ours). */
  settle(requestId: string, result: HostMemoryResult): boolean {
    const p = this.#pending.get(requestId);
    if (!p) return false;
    p.resolve(result);
    return true;
  }
}
