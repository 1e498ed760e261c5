import { and, eq, gt, like, lt, ne } from "drizzle-orm";
import { database } from "./client.ts";
import { signInCodes } from "./schema.ts";
import type { SessionOwner } from "./sessions.ts";
import { generateToken, sha256Hex } from "./token-secrets.ts";

/** Long enough to copy a link from a terminal into a browser, short enough that an old scrollback is useless. */
export const SIGN_IN_CODE_TTL_MS = 15 * 60 * 1000;

export async function mintSignInCode(d1: D1Database, owner: SessionOwner): Promise<{ code: string; expiresAt: number }> {
  const code = generateToken("dfc");
  const now = Date.now();
  const expiresAt = now + SIGN_IN_CODE_TTL_MS;
  const db = database(d1);
  await db.delete(signInCodes).where(lt(signInCodes.expiresAt, now));
  await db.insert(signInCodes).values({ codeHash: await sha256Hex(code), ...owner, createdAt: now, expiresAt });
  return { code, expiresAt };
}

/** Uses up a code: one DELETE … RETURNING, so two racing exchanges cannot both win. */
export async function consumeSignInCode(d1: D1Database, code: string): Promise<SessionOwner | null> {
  const rows = await database(d1)
    .delete(signInCodes)
    .where(and(eq(signInCodes.codeHash, await sha256Hex(code)), gt(signInCodes.expiresAt, Date.now())))
    .returning();
  const row = rows[0];
  return row ? { identityId: row.identityId, name: row.name, role: row.role, credential: row.credential } : null;
}

/** Codes minted with a revoked credential die with it. */
export async function deleteSignInCodesOfCredential(d1: D1Database, credential: string): Promise<void> {
  await database(d1).delete(signInCodes).where(eq(signInCodes.credential, credential));
}

export async function deleteSignInCodesOfOtherAdminTokens(d1: D1Database, current: string): Promise<void> {
  await database(d1).delete(signInCodes).where(and(like(signInCodes.credential, "admin:%"), ne(signInCodes.credential, current)));
}
