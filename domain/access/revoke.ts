import { revokeApiToken as markRevoked } from "../../db/api-tokens.ts";
import { readState, swapState } from "../../db/control-plane-state.ts";
import { deleteAllSessions, deleteSessionById, deleteSessionsOfCredential, deleteSessionsOfOtherAdminTokens } from "../../db/sessions.ts";
import { deleteSignInCodesOfCredential, deleteSignInCodesOfOtherAdminTokens } from "../../db/sign-in-codes.ts";
import { adminCredential, apiTokenCredential } from "./credentials.ts";
import { sessionKey } from "./grant.ts";
import { endAccess } from "./revocation.ts";

// Revoking a credential ends everything it opened, at once: its sessions and sign-in codes in D1,
// and (through endAccess) the sockets, viewer tickets and takeover leases held by Durable Objects.

/** Revokes an API token; false when there was no active token with that id. */
export async function revokeApiToken(env: Env, tokenId: string): Promise<boolean> {
  if (!(await markRevoked(env.DB, tokenId))) return false;
  const credential = apiTokenCredential(tokenId);
  const sessionIds = await deleteSessionsOfCredential(env.DB, credential);
  await deleteSignInCodesOfCredential(env.DB, credential);
  await endAccess(env, [credential, ...sessionIds.map(sessionKey)], "the API token this was opened with was revoked; sign in again");
  return true;
}

/** Ends one dashboard session and what it opened; false when there was none with that id. */
export async function endSession(env: Env, sessionId: string, reason: string): Promise<boolean> {
  if (!(await deleteSessionById(env.DB, sessionId))) return false;
  await endAccess(env, [sessionKey(sessionId)], reason);
  return true;
}

/** Sign out everywhere: every dashboard session ends, with its sockets, tickets and leases. */
export async function endAllSessions(env: Env): Promise<number> {
  const ids = await deleteAllSessions(env.DB);
  await endAccess(env, ids.map(sessionKey), "an admin signed everyone out; sign in again");
  return ids.length;
}

const ADMIN_CREDENTIAL_KEY = "admin_credential";

/**
 * Notices that DESKFLEET_ADMIN_TOKEN was rotated (its fingerprint differs from the one recorded) and
 * ends what the old token opened: its sessions, sign-in codes, sockets and leases. The isolate that
 * records the new fingerprint does it, once. A deploy drops sockets anyway; leases and sessions
 * outlive deploys, and nothing waits for anyone to sign in again.
 */
export async function noticeAdminRotation(env: Env): Promise<void> {
  const token = env.DESKFLEET_ADMIN_TOKEN;
  if (!token) return;
  const current = await adminCredential(token);
  const recorded = await readState(env.DB, ADMIN_CREDENTIAL_KEY);
  if (recorded === current) return;
  if (!(await swapState(env.DB, ADMIN_CREDENTIAL_KEY, recorded, current))) return;
  if (recorded === null) return;
  const sessionIds = await deleteSessionsOfOtherAdminTokens(env.DB, current);
  await deleteSignInCodesOfOtherAdminTokens(env.DB, current);
  await endAccess(env, [recorded, ...sessionIds.map(sessionKey)], "the admin token was rotated; sign in with the new one");
}

// Once per isolate and admin token: every isolate of a new deploy checks, and only the first acts.
let checked: { token: string | undefined; promise: Promise<void> } | null = null;

/** Runs `noticeAdminRotation` on an isolate's first request (and again if the token changes). Never throws. */
export function ensureAdminRotationNoticed(env: Env): Promise<void> {
  if (checked && checked.token === env.DESKFLEET_ADMIN_TOKEN) return checked.promise;
  const promise = noticeAdminRotation(env).catch((err: unknown) => {
    checked = null; // retry on the next request
    console.error("checking the admin token for a rotation failed:", err instanceof Error ? err.message : String(err));
  });
  checked = { token: env.DESKFLEET_ADMIN_TOKEN, promise };
  return promise;
}
