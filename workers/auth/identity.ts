import type { Role } from "@deskfleet/protocol";
import { sessionKey, type Grant } from "../../domain/access/grant.ts";

/** Who is making a request, after authentication. */
export type Identity = {
  kind: "admin_token" | "api_token" | "access" | "session";
  /** Stable id for the audit log: `admin`, `token:<id>`, `access:<email>`. */
  id: string;
  name: string;
  role: Role;
  /** The credential behind it (`admin:<fingerprint>`, `token:<id>`, `access:<email>`): revoking it ends what this identity opened. */
  credential: string;
  /** For a session: its public id (`ses_…`). */
  sessionId?: string;
  /** For a session: when its cookie expires. */
  expiresAt?: number;
  /** For a Telegram Mini App session: the one desktop it opens (workers/auth/desktop-scope.ts). */
  desktopId?: string;
};

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export const roleAllows = (have: Role, need: Role): boolean => RANK[have] >= RANK[need];

/** What a Durable Object is told about this identity: who, and the keys whose revocation ends what it opens. */
export const grantOf = (i: Identity): Grant => ({
  id: i.id,
  name: i.name,
  role: i.role,
  keys: i.sessionId ? [i.credential, sessionKey(i.sessionId)] : [i.credential],
});
