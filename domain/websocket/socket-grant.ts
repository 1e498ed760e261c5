import { z } from "zod";
import { DesktopId } from "@deskfleet/protocol";
import { Grant } from "../access/grant.ts";

/**
 * What the Worker tells a Durable Object about a WebSocket it authenticated. The Worker builds the
 * request the object sees from these verified facts alone (`grantedUpgrade`): no header, query or
 * path of the client's request ever reaches an object, so none can be forged.
 */
export const SocketGrant = z.discriminatedUnion("socket", [
  /** A desktop host's control socket, authenticated by its host token. */
  z.object({ socket: z.literal("host"), desktopId: DesktopId, credential: z.string() }),
  /** A host's VNC tunnel for one viewer; DesktopDO spends the tunnel ticket. */
  z.object({ socket: z.literal("tunnel"), desktopId: DesktopId, credential: z.string(), tunnelId: z.string(), ticket: z.string() }),
  /** A live VNC viewer: authenticated by the Worker (`viewer`), or by a one-time ticket DesktopDO spends. */
  z.object({ socket: z.literal("viewer"), desktopId: DesktopId, viewer: Grant.nullable(), ticket: z.string().nullable() }),
  /** The fleet feed (FleetDO). */
  z.object({ socket: z.literal("feed"), reader: Grant }),
  /** A task's events (TaskDO), replayed after `after`. */
  z.object({ socket: z.literal("watcher"), reader: Grant, after: z.number().int().nonnegative() }),
  /** A supervisor conversation's live feed (SupervisorDO). */
  z.object({ socket: z.literal("live"), reader: Grant }),
]);
export type SocketGrant = z.infer<typeof SocketGrant>;
export type SocketGrantOf<K extends SocketGrant["socket"]> = Extract<SocketGrant, { socket: K }>;

const GRANT_HEADER = "x-deskfleet-grant";

/** The only request a Durable Object's socket endpoint ever sees: an upgrade carrying the grant. */
export function grantedUpgrade(grant: SocketGrant): Request {
  return new Request("https://deskfleet.internal/socket", { headers: { upgrade: "websocket", [GRANT_HEADER]: JSON.stringify(SocketGrant.parse(grant)) } });
}

/** The grant of a request built by `grantedUpgrade`, if it is one of the kinds the object serves. */
export function readGrant<K extends SocketGrant["socket"]>(request: Request, ...kinds: K[]): SocketGrantOf<K> | null {
  const raw = request.headers.get(GRANT_HEADER);
  if (!raw) return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = SocketGrant.safeParse(json);
  if (!parsed.success || !(kinds as string[]).includes(parsed.data.socket)) return null;
  return parsed.data as SocketGrantOf<K>;
}

/** The answer of an object to an upgrade without a grant it serves: only our own code could send one. */
export function notGranted(): Response {
  return Response.json({ error: { code: "not_granted", message: "expected a WebSocket upgrade built by the Worker with a socket grant" } }, { status: 400 });
}
