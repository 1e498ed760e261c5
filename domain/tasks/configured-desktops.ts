import { z } from "zod";
import { eq } from "drizzle-orm";
import { CreateDesktopBody } from "@deskfleet/protocol";
import { database } from "../../db/client.ts";
import { fleetObject } from "../addresses.ts";
import { desktops } from "../../db/schema.ts";
import { seal } from "../crypto/secret-box.ts";
import { hasCredentials, splitVncUrl } from "../crypto/vnc-url.ts";

/** `DESKFLEET_DESKTOPS`: a JSON list of desktops (same fields as POST /api/desktops, without vncPassword). */
export const ConfiguredDesktops = z.array(CreateDesktopBody.omit({ vncPassword: true })).max(500);

export type ConfigProblem = { ok: false; message: string };

/** Parses the variable; a mistake is reported in one line and changes nothing. */
export function parseConfiguredDesktops(raw: string | undefined): { ok: true; desktops: z.infer<typeof ConfiguredDesktops> } | ConfigProblem {
  if (!raw || raw.trim() === "") return { ok: true, desktops: [] };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, message: "DESKFLEET_DESKTOPS is not valid JSON; it must be a list like [{\"id\":\"mac-studio\",\"vncUrl\":\"vnc://:pw@10.0.0.5:5900\"}]" };
  }
  const parsed = ConfiguredDesktops.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, message: `DESKFLEET_DESKTOPS is invalid at ${issue?.path.join(".") || "(root)"}: ${issue?.message}` };
  }
  const ids = parsed.data.map((d) => d.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) return { ok: false, message: `DESKFLEET_DESKTOPS lists desktop ${dup} twice` };
  return { ok: true, desktops: parsed.data };
}

/**
 * Adds or updates the configured desktops in D1: name, OS, labels and VNC
 * address follow the variable; mode, presence and host tokens are left alone
 * (a host may have connected with the id). Credentials are encrypted at rest.
 */
export async function upsertConfiguredDesktops(env: Env, list: z.infer<typeof ConfiguredDesktops>, now = Date.now()): Promise<number> {
  const db = database(env.DB);
  for (const d of list) {
    let address: string | null = null;
    let sealed: string | null = null;
    if (d.vncUrl) {
      const split = splitVncUrl(d.vncUrl);
      address = split.address;
      if (hasCredentials(split.credentials)) sealed = await seal(env, "vnc-credentials", JSON.stringify(split.credentials));
    }
    const fields = { name: d.name ?? d.id, os: d.os ?? "linux", labels: d.labels ?? [], vncUrl: address, vncCredentials: sealed, updatedAt: now };
    const updated = await db.update(desktops).set(fields).where(eq(desktops.id, d.id)).returning({ id: desktops.id });
    if (!updated[0]) await db.insert(desktops).values({ id: d.id, ...fields, mode: "view_only", presence: "offline", createdAt: now }).onConflictDoNothing();
    await fleetObject(env).desktopUpdated({ desktopId: d.id, labels: fields.labels, directVnc: address !== null });
  }
  return list.length;
}

// Once per isolate: cheap enough for every deploy, and no request waits twice.
let done: { raw: string | undefined; promise: Promise<void> } | null = null;

/** Runs the upsert on the first request an isolate serves (and again if the variable changes). Never throws. */
export function ensureConfiguredDesktops(env: Env): Promise<void> {
  const raw = env.DESKFLEET_DESKTOPS;
  if (done && done.raw === raw) return done.promise;
  const promise = (async () => {
    const parsed = parseConfiguredDesktops(raw);
    if (!parsed.ok) return console.error(parsed.message);
    if (parsed.desktops.length === 0) return;
    try {
      await upsertConfiguredDesktops(env, parsed.desktops);
    } catch (err) {
      done = null; // retry on the next request
      console.error("DESKFLEET_DESKTOPS could not be applied:", err instanceof Error ? err.message : err);
    }
  })();
  done = { raw, promise };
  return promise;
}
