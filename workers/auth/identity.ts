import type { Role } from "@deskfleet/protocol";

/** Who is making a request, after authentication. */
export type Identity = {
  kind: "admin_token" | "api_token" | "access" | "session";
  /** Stable id for the audit log: `admin`, `token:<id>`, `access:<email>`. */
  id: string;
  name: string;
  role: Role;
  /** For a session: when its cookie expires. */
  expiresAt?: number;
};

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export const roleAllows = (have: Role, need: Role): boolean => RANK[have] >= RANK[need];
