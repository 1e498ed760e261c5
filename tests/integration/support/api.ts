import { env, SELF } from "cloudflare:test";
import type { FleetFeedMessage, TaskFeedMessage } from "@deskfleet/protocol";

export const ADMIN = env.DESKFLEET_ADMIN_TOKEN;
const BASE = "https://deskfleet.test";

export type Json = Record<string, any>;

/**
 * A client address of its own: the limit on failed authentications counts per address, and tests
 * that fail on purpose must not use up one another's (a test of the limit sets its own).
 */
export const someAddress = (): string => `2001:db8:${crypto.randomUUID().slice(0, 4)}:${crypto.randomUUID().slice(0, 4)}::1`;

/** Calls the real Worker (routing, auth, validation, DOs, D1) as a client would. */
export async function api(method: string, path: string, opts: { token?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { "cf-connecting-ip": someAddress(), ...opts.headers };
  const token = opts.token === undefined ? ADMIN : opts.token;
  if (token) headers["authorization"] = `Bearer ${token}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined && !headers["content-type"]) headers["content-type"] = "application/json";
  const res = await SELF.fetch(BASE + path, { method, headers, body });
  const text = await res.text();
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: res.status, json, text, headers: res.headers };
}

export async function createDesktop(id: string, extra: Json = {}): Promise<Json> {
  const res = await api("POST", "/api/desktops", { body: { id, ...extra } });
  if (res.status !== 201) throw new Error(`create desktop ${id}: ${res.status} ${res.text}`);
  return res.json;
}

export async function hostToken(desktopId: string): Promise<string> {
  const res = await api("POST", `/api/desktops/${desktopId}/host-token`);
  if (res.status !== 201) throw new Error(`host token ${desktopId}: ${res.status} ${res.text}`);
  return res.json.token as string;
}

export async function createTask(body: Json): Promise<Json> {
  const res = await api("POST", "/api/tasks", { body });
  if (res.status !== 201) throw new Error(`create task: ${res.status} ${res.text}`);
  return res.json;
}

export async function apiToken(role: "viewer" | "operator" | "admin"): Promise<string> {
  const res = await api("POST", "/api/tokens", { body: { name: `${role} for tests`, role } });
  if (res.status !== 201) throw new Error(`token: ${res.status} ${res.text}`);
  return res.json.token as string;
}

/** Polls until `check` returns a value (not undefined/false), or fails with the last value seen. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    last = v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function taskStatus(id: string): Promise<string> {
  const res = await api("GET", `/api/tasks/${id}`);
  return res.json?.status;
}

export { env };

/** The fleet feed (`/api/live`) as the dashboard opens it, collecting every message. */
export async function fleetFeed(): Promise<{ messages: FleetFeedMessage[]; close: () => void }> {
  const res = await SELF.fetch(`${BASE}/api/live`, { headers: { upgrade: "websocket", authorization: `Bearer ${ADMIN}` } });
  const ws = res.webSocket!;
  ws.accept();
  const messages: FleetFeedMessage[] = [];
  ws.addEventListener("message", (e) => messages.push(JSON.parse(e.data as string) as FleetFeedMessage));
  await eventually(async () => messages.some((m) => m.type === "hello"), "feed hello");
  return { messages, close: () => ws.close() };
}

/** A task's live feed (`/api/tasks/:id/live`) from `after`, collecting every message. */
export async function taskFeed(taskId: string, after = 0): Promise<{ messages: TaskFeedMessage[]; close: () => void }> {
  const res = await SELF.fetch(`${BASE}/api/tasks/${taskId}/live?after=${after}`, { headers: { upgrade: "websocket", authorization: `Bearer ${ADMIN}` } });
  const ws = res.webSocket!;
  ws.accept();
  const messages: TaskFeedMessage[] = [];
  ws.addEventListener("message", (e) => messages.push(JSON.parse(e.data as string) as TaskFeedMessage));
  return { messages, close: () => ws.close() };
}
/** The origin the tests call the Worker at: what a browser on the dashboard sends as `Origin`. */
export const ORIGIN = "https://deskfleet.test";

/** Signs in to the dashboard with a token; returns the `Cookie` header value of the session. */
export async function signIn(token: string): Promise<string> {
  const res = await api("POST", "/api/session", { token: null, body: { token } });
  if (res.status !== 201) throw new Error(`sign in: ${res.status} ${res.text}`);
  return (res.headers.get("set-cookie") ?? "").split(";")[0]!;
}

/** Request options of the dashboard's own pages: the session cookie and our Origin, no bearer token. */
export const asDashboard = (cookie: string) => ({ token: null, headers: { cookie, origin: ORIGIN } });
