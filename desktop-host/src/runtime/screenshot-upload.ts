import { Backoff, type BackoffOptions } from "../control/backoff.ts";
import type { Logger } from "./logger.ts";

export type UploadTarget = { server: string; token: string; logger: Logger; backoff?: BackoffOptions; fetch?: typeof fetch };

export class UploadError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "UploadError";
    this.status = status;
  }
}

/**
 * Stores a task's screenshot with the control plane and returns its key.
 * Retries with backoff while the control plane is unreachable or busy (network
 * error, 5xx, 429); a refusal (other 4xx) is final. Stops when `signal` aborts.
 */
export async function uploadScreenshot(target: UploadTarget, taskId: string, png: Uint8Array, signal: AbortSignal): Promise<string> {
  const url = `${target.server.replace(/\/+$/, "")}/api/hosts/tasks/${encodeURIComponent(taskId)}/screenshots`;
  const doFetch = target.fetch ?? fetch;
  const backoff = new Backoff(target.backoff);
  for (;;) {
    signal.throwIfAborted();
    let retryable: string;
    try {
      const res = await doFetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${target.token}`, "content-type": "image/png" },
        body: new Blob([png as Uint8Array<ArrayBuffer>], { type: "image/png" }),
        signal,
      });
      const text = await res.text();
      if (res.status === 201) {
        const key = (JSON.parse(text) as { key?: unknown }).key;
        if (typeof key !== "string" || key === "") throw new UploadError(res.status, "the control plane stored the screenshot but returned no key");
        return key;
      }
      const message = errorMessage(text) ?? `HTTP ${res.status}`;
      if (res.status !== 429 && res.status < 500) throw new UploadError(res.status, `the control plane refused the screenshot (${res.status}): ${message}`);
      retryable = `HTTP ${res.status}: ${message}`;
    } catch (err) {
      if (err instanceof UploadError || signal.aborted) throw err;
      retryable = err instanceof Error ? err.message : String(err);
    }
    const delay = backoff.next();
    target.logger.warn("screenshot upload failed; retrying", { taskId, problem: retryable, inMs: delay });
    await sleep(delay, signal);
  }
}

function errorMessage(body: string): string | null {
  try {
    const m = (JSON.parse(body) as { error?: { message?: unknown } }).error?.message;
    return typeof m === "string" ? m : null;
  } catch {
    return body ? body.slice(0, 200) : null;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
