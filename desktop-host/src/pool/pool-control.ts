import { existsSync, rmSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { z } from "zod";
import type { PoolStatus } from "./pool.ts";

/**
 * A running pool listens on a Unix socket in its folder (mode 0700, so only
 * its user reaches it): `deskfleet-host pool --count N` run again tells it
 * to scale instead of starting a second pool, and `doctor` asks it for each
 * desktop's figures. One JSON request a connection, one JSON answer.
 */
export const PoolRequest = z.discriminatedUnion("op", [
  z.object({ op: z.literal("status") }),
  z.object({ op: z.literal("scale"), count: z.number().int().min(0).max(64) }),
]);
export type PoolRequest = z.infer<typeof PoolRequest>;
export type PoolAnswer = { ok: true; status: PoolStatus } | { ok: false; error: string };

export const CONTROL_SOCKET = "control.sock";

export function servePoolControl(path: string, handle: (request: PoolRequest) => Promise<PoolStatus>): Promise<Server> {
  // A socket file left by a pool that died: nothing answers on it (the caller checked), so it can go.
  if (existsSync(path)) rmSync(path);
  const server = createServer((socket) => {
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      text += chunk;
      if (!text.includes("\n")) return;
      const answer = (a: PoolAnswer) => socket.end(JSON.stringify(a) + "\n");
      let request: PoolRequest;
      try {
        request = PoolRequest.parse(JSON.parse(text.slice(0, text.indexOf("\n"))));
      } catch (err) {
        return answer({ ok: false, error: `not a pool request: ${err instanceof Error ? err.message : String(err)}` });
      }
      handle(request).then(
        (status) => answer({ ok: true, status }),
        (err: unknown) => answer({ ok: false, error: err instanceof Error ? err.message : String(err) }),
      );
    });
    socket.on("error", () => undefined);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => resolve(server));
  });
}

/** Asks the pool listening at `path`; null when none does (no socket, or a stale one). */
export function askPool(path: string, request: PoolRequest, timeoutMs = 120_000): Promise<PoolAnswer | null> {
  if (!existsSync(path)) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the pool at ${path} did not answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    socket.setEncoding("utf8");
    socket.on("connect", () => socket.write(JSON.stringify(request) + "\n"));
    socket.on("data", (chunk: string) => (text += chunk));
    socket.on("end", () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(text) as PoolAnswer);
      } catch {
        reject(new Error(`the pool at ${path} answered something else than JSON`));
      }
    });
    socket.on("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.code === "ECONNREFUSED" || err.code === "ENOENT") resolve(null);
      else reject(err);
    });
  });
}
