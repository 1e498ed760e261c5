import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalControlPlane, type LocalControlPlane } from "../scripts/lib/local-control-plane.ts";

export type TestControlPlane = LocalControlPlane & {
  /** Calls the API as the admin (or with `token`), returning status and parsed JSON. */
  api(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; json: any }>;
  /** Removes the temporary state directory after stopping. */
  dispose(): Promise<void>;
};

/**
 * A real control plane for system tests: the Worker under `wrangler dev` with
 * its own temporary local D1/R2/DO state, migrations applied.
 */
export async function startTestControlPlane(vars: Record<string, string> = {}, options: { env?: Record<string, string>; aiStandIn?: boolean } = {}): Promise<TestControlPlane> {
  const dir = mkdtempSync(join(tmpdir(), "deskfleet-cp-"));
  const cp = await startLocalControlPlane({ persistTo: dir, vars, ...(options.env ? { env: options.env } : {}), ...(options.aiStandIn ? { aiStandIn: true } : {}) });
  const api = async (method: string, path: string, body?: unknown, token?: string | null) => {
    const headers: Record<string, string> = {};
    const t = token === undefined ? cp.adminToken : token;
    if (t) headers["authorization"] = `Bearer ${t}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(cp.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = { raw: text };
    }
    return { status: res.status, json };
  };
  return {
    ...cp,
    api,
    dispose: async () => {
      await cp.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
