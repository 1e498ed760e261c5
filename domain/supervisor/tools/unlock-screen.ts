import { z } from "zod";
import { DesktopId, SecretName } from "@deskfleet/protocol";
import { getDesktop } from "../../../db/desktops.ts";
import { listSecrets as allSecrets, toSecretMetadata } from "../../../db/secrets.ts";
import { desktopObject } from "../../addresses.ts";
import { notFound, unwrap } from "../../api-error.ts";
import { json, tool } from "./tool.ts";

/**
 * unlock_screen: the desktop's host (or the desktop's Durable Object, for a
 * desktop without one) types a vault credential into a lock screen or login
 * prompt. The value never reaches this conversation, the model or a log;
 * the model only learns that it was typed.
 */
export const unlockScreen = tool({
  name: "unlock_screen",
  description:
    "Unlock a desktop's lock screen or log in at a login prompt with a vault secret: the desktop types the username (if given, then Tab), the secret, then Return. " +
    "You never see the value. Take a screenshot first to check the prompt has focus, and afterwards to check it worked. The secret must be in scope for the desktop.",
  input: z.strictObject({
    desktop: DesktopId.describe("The desktop's id"),
    secret: SecretName.describe("The vault secret's name (list_secrets shows them)"),
    username: z.string().min(1).max(256).optional().describe("Typed before the secret, followed by Tab"),
  }),
  // Typing into a desktop: a proposal when the supervisor was not asked for it in this turn.
  effect: { class: "desktop_input" },
  run: async (ctx, { desktop, secret, username }) => {
    if (!(await getDesktop(ctx.env.DB, desktop))) throw notFound("desktop", desktop);
    const done = unwrap(await desktopObject(ctx.env, desktop).unlockScreen(desktop, { id: ctx.actor, name: "Supervisor" }, secret, username));
    return json({ typed: `secret \`${done.secret}\` (${done.characters} characters)${username ? " after the username and Tab" : ""}, then Return`, desktop, note: "take a screenshot to see whether it unlocked" });
  },
});

/** The names the supervisor may pass to unlock_screen (never values). */
export const listSecrets = tool({
  name: "list_secrets",
  description: "The vault's secrets: names, kinds, descriptions and where they may be used (never their values).",
  input: z.strictObject({}),
  effect: "read",
  run: async (ctx) => {
    return json({ secrets: (await allSecrets(ctx.env.DB)).map(toSecretMetadata).map((s) => ({ name: s.name, kind: s.kind, description: s.description, scope: s.scope, exclusive: s.exclusive })) });
  },
});
