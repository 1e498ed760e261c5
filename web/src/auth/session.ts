import { createContext, useContext } from "react";
import type { InferResponseType } from "hono/client";
import type { api } from "../api/client.ts";

export type SessionInfo = InferResponseType<typeof api.session.$get, 200>;
export type Role = SessionInfo["identity"]["role"];

/** `signOut` ends this session on the server; `signedOut` only shows the sign-in (the session already ended). */
export type SessionContextValue = { info: SessionInfo; signOut: () => Promise<void>; signedOut: () => void };

export const SessionContext = createContext<SessionContextValue | null>(null);

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside a signed-in app");
  return value;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** Whether the signed-in identity may do what needs `role`; views hide what would only 403. */
export function useCan(role: Role): boolean {
  return RANK[useSession().info.identity.role] >= RANK[role];
}
