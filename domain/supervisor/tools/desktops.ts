import { z } from "zod";
import { DesktopId } from "@deskfleet/protocol";
import { getDesktop, listDesktops, toDesktop, type DesktopRow } from "../../../db/desktops.ts";
import { notFound } from "../../api-error.ts";
import { iso, json, tool } from "./tool.ts";

/** A desktop as the model sees it: no VNC address or credentials, ever. */
function view(row: DesktopRow) {
  const d = toDesktop(row);
  return {
    id: d.id,
    name: d.name,
    os: d.os,
    labels: d.labels,
    presence: d.presence,
    currentTaskId: d.currentTaskId,
    screen: d.capabilities?.screen ?? null,
    lastSeenAt: iso(d.lastSeenAt),
  };
}

export const desktopTools = [
  tool({
    name: "list_desktops",
    description: "List every desktop with its labels and presence (online: idle and connected; busy: running a task; view_only/offline: cannot run tasks now).",
    input: z.strictObject({}),
    effect: "read",
    run: async (ctx) => json({ desktops: (await listDesktops(ctx.env.DB)).map(view) }),
  }),
  tool({
    name: "get_desktop",
    description: "One desktop by id: labels, presence, the task it runs, its screen size.",
    input: z.strictObject({ desktopId: DesktopId }),
    effect: "read",
    run: async (ctx, { desktopId }) => {
      const row = await getDesktop(ctx.env.DB, desktopId);
      if (!row) throw notFound("desktop", desktopId);
      return json(view(row));
    },
  }),
];
