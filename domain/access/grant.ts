import { z } from "zod";
import { Role } from "@deskfleet/protocol";

/**
 * A person as the Worker verified them, handed to a Durable Object with what they open there (a
 * socket, a viewer ticket, a takeover lease). `keys` name the credentials behind it — the API
 * token, the admin token's fingerprint, the session — so revoking any of them ends what it opened.
 */
export const Grant = z.object({
  id: z.string().min(1).max(200),
  name: z.string().max(200),
  role: Role,
  keys: z.array(z.string().min(1).max(200)).min(1).max(4),
});
export type Grant = z.infer<typeof Grant>;

/** Whether something opened under `held` is ended by revoking any of `revoked`. */
export const revokedBy = (held: readonly string[] | undefined, revoked: readonly string[]): boolean =>
  held !== undefined && held.some((k) => revoked.includes(k));

/** The grant key of a dashboard session. */
export const sessionKey = (sessionId: string): string => `session:${sessionId}`;
