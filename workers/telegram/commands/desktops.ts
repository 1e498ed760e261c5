import { Composer } from "grammy";
import { DesktopId } from "@deskfleet/protocol";
import { getDesktop, listDesktops, toDesktop } from "../../../db/desktops.ts";
import { bold, code, line, type RichLine } from "../../../domain/telegram/rich-text.ts";
import { commandArgument, reply, STATUS_ICON, when } from "../reply.ts";
import { sendPhotoWithLines } from "../../../domain/telegram/api.ts";
import { desktopObject } from "../../../domain/addresses.ts";
import type { BotContext } from "../context.ts";

async function desktopsCommand(env: Env, ctx: BotContext): Promise<void> {
  const rows = await listDesktops(env.DB);
  if (rows.length === 0) {
    await reply(ctx, "No desktops yet. Add one in the dashboard or with POST /api/desktops.");
    return;
  }
  const lines: RichLine[] = [line(bold(`${rows.length} desktop${rows.length === 1 ? "" : "s"}`))];
  for (const d of rows.map(toDesktop)) {
    const labels = d.labels.length ? ` [${d.labels.join(", ")}]` : "";
    const task = d.currentTaskId ? ` running ${d.currentTaskId}` : "";
    lines.push(line(`${STATUS_ICON[d.presence] ?? "•"} `, code(d.id), ` ${d.name}${labels} · ${d.presence}${task} · seen ${when(d.lastSeenAt)}`));
  }
  await reply(ctx, lines);
}

/** `/screenshot <desktop>`: the screen now, from the desktop's host or straight from its VNC server. */
async function screenshotCommand(env: Env, ctx: BotContext): Promise<void> {
  const id = commandArgument(ctx);
  if (!DesktopId.safeParse(id).success) {
    await reply(ctx, [line("Usage: ", code("/screenshot <desktop id>"), " (see /desktops)")]);
    return;
  }
  if (!(await getDesktop(env.DB, id))) {
    await reply(ctx, [line("Desktop ", code(id), " does not exist; see /desktops.")]);
    return;
  }
  await ctx.replyWithChatAction("upload_photo");
  const result = await desktopObject(env, id).screenshot(id);
  if (!result.ok || !result.png) {
    const why = result.ok ? "the desktop answered without an image" : result.error.message;
    await reply(ctx, [line("No screenshot of ", code(id), `: ${why}`)]);
    return;
  }
  const png = Uint8Array.from(atob(result.png), (ch) => ch.charCodeAt(0));
  await sendPhotoWithLines(ctx.api, ctx.chat!.id, png, `${id}.png`, [line(code(id), ` at ${when(Date.now())}`)]);
}

export function desktopCommands(env: Env): Composer<BotContext> {
  const c = new Composer<BotContext>();
  c.command("desktops", (ctx) => desktopsCommand(env, ctx));
  c.command("screenshot", (ctx) => screenshotCommand(env, ctx));
  return c;
}
