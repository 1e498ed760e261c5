import { chatChannels } from "../channels/registry.ts";
import { fleetFeedChannel } from "./fleet-feed-channel.ts";
import { Notifier, type NotificationChannel } from "./notifier.ts";

/** Every channel a deployment has: the fleet feed always, and each chat channel (Telegram when configured). */
export const notifierFor = (env: Env): Notifier =>
  new Notifier([fleetFeedChannel(env), ...chatChannels(env).map((c): NotificationChannel => ({ name: c.name, send: (n) => c.notify(n) }))]);
