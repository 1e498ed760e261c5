import type { DesktopRequest, DesktopResponseMessage } from "@deskfleet/protocol";

export type DesktopResult = DesktopResponseMessage["result"];

/**
 * Request/response pairs over the host's control socket (screenshots, input).
 * In memory on purpose: a request outlives neither the socket nor the object,
 * and the API caller gets a clear timeout instead of a hang.
 */
export class PendingRequests {
  readonly #waiting = new Map<string, { resolve: (r: DesktopResult) => void; timer: ReturnType<typeof setTimeout> }>();

  /** Sends the request with `send` (false: not delivered) and waits for the matching response. */
  ask(send: (requestId: string, request: DesktopRequest) => boolean, request: DesktopRequest, timeoutMs: number): Promise<DesktopResult> {
    const requestId = crypto.randomUUID();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(requestId);
        resolve({ ok: false, error: { code: "host_timeout", message: `the desktop's host did not answer within ${Math.round(timeoutMs / 1000)} s` } });
      }, timeoutMs);
      this.#waiting.set(requestId, { resolve, timer });
      if (!send(requestId, request)) this.settle(requestId, { ok: false, error: { code: "host_unavailable", message: "the desktop's host is not connected" } });
    });
  }

  /** Delivers a response; unknown or late ids are ignored (the caller already got its timeout). */
  settle(requestId: string, result: DesktopResult): void {
    const w = this.#waiting.get(requestId);
    if (!w) return;
    clearTimeout(w.timer);
    this.#waiting.delete(requestId);
    w.resolve(result);
  }

  /** The host went away: every waiting caller learns it now. */
  failAll(code: string, message: string): void {
    for (const id of [...this.#waiting.keys()]) this.settle(id, { ok: false, error: { code, message } });
  }
}
