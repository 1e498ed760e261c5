import { vi } from "vitest";

export type Call = { method: string; path: string; query: URLSearchParams; body: unknown };
type Reply = { status: number; body: unknown };
type Handler = (call: Call) => Reply | Promise<Reply>;

/**
 * Stands in for the Worker at the fetch boundary: routes are `METHOD /path`,
 * every call is recorded, and an unrouted call fails the test loudly.
 */
export function fakeApi(routes: Record<string, Handler>) {
  const calls: Call[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    const method = (init?.method ?? "GET").toUpperCase();
    const body = typeof init?.body === "string" ? (JSON.parse(init.body) as unknown) : undefined;
    const call = { method, path: url.pathname, query: url.searchParams, body };
    calls.push(call);
    const handler = routes[`${method} ${url.pathname}`];
    if (!handler) throw new Error(`unexpected request ${method} ${url.pathname}`);
    const reply = await handler(call);
    return new Response(JSON.stringify(reply.body), { status: reply.status, headers: { "content-type": "application/json" } });
  });
  vi.stubGlobal("fetch", fetchMock);
  return { calls };
}

export const ok = (body: unknown, status = 200): Reply => ({ status, body });
export const fail = (status: number, code: string, message: string): Reply => ({ status, body: { error: { code, message } } });
