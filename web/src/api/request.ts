/** An API failure with the code and message from the Worker's error envelope. */
export class RequestError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

type JsonResponse = { ok: boolean; status: number; json(): Promise<unknown> };
type SuccessBody<R> = R extends { ok: true; json(): Promise<infer B> } ? B : never;

/** Awaits a typed client call and returns its success body, or throws a RequestError a view can show. */
export async function call<R extends JsonResponse>(request: Promise<R>): Promise<SuccessBody<R>> {
  let res: R;
  try {
    res = await request;
  } catch {
    throw new RequestError(0, "network", "the control plane did not answer; check that it is running and your connection");
  }
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  if (!res.ok) {
    throw new RequestError(res.status, body?.error?.code ?? "http_error", body?.error?.message ?? `the request failed with HTTP ${res.status}`);
  }
  return body as SuccessBody<R>;
}

/** The message to show for any thrown value. */
export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));
