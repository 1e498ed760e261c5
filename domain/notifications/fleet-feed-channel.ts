import { fleetObject } from "../addresses.ts";
import type { Notification, NotificationChannel } from "./notifier.ts";

/** The dashboard's live fleet feed (FleetDO). */
export const fleetFeedChannel = (env: Env): NotificationChannel => ({
  name: "fleet-feed",
  send: (n: Notification) =>
    fleetObject(env).notify({ type: "notification", level: n.level, title: n.title, body: n.body, taskId: n.taskId, at: Date.now() }),
});
