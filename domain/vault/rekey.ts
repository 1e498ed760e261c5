import { eq } from "drizzle-orm";
import { database } from "../../db/client.ts";
import { desktops, secrets } from "../../db/schema.ts";
import { seal, tryOpen, type KeyMaterial } from "../crypto/secret-box.ts";

/**
 * Re-seals every value at rest (vault secrets, desktops' VNC credentials)
 * under the current DESKFLEET_SECRET_KEY, opening each with the current or
 * the previous key. Values already sealed under the current key are left
 * alone, so running it twice is harmless. Values neither key opens are
 * named, never guessed at. Plaintexts live only inside this function.
 */
export async function rekeyAll(env: KeyMaterial & { DB: D1Database }): Promise<{ resealed: { secrets: number; desktops: number }; unreadable: string[] }> {
  const db = database(env.DB);
  const unreadable: string[] = [];
  let secretCount = 0;
  for (const row of await db.select({ name: secrets.name, sealed: secrets.sealed }).from(secrets)) {
    const opened = await tryOpen(env, "vault-secret", row.sealed, row.name);
    if (!opened) unreadable.push(`secret ${row.name}`);
    else if (!opened.current) {
      await db.update(secrets).set({ sealed: await seal(env, "vault-secret", opened.plaintext, row.name) }).where(eq(secrets.name, row.name));
      secretCount++;
    }
  }
  let desktopCount = 0;
  for (const row of await db.select({ id: desktops.id, sealed: desktops.vncCredentials }).from(desktops)) {
    if (!row.sealed) continue;
    const opened = await tryOpen(env, "vnc-credentials", row.sealed);
    if (!opened) unreadable.push(`desktop ${row.id} (VNC credentials)`);
    else if (!opened.current) {
      await db.update(desktops).set({ vncCredentials: await seal(env, "vnc-credentials", opened.plaintext) }).where(eq(desktops.id, row.id));
      desktopCount++;
    }
  }
  return { resealed: { secrets: secretCount, desktops: desktopCount }, unreadable };
}
