import { fleetFeedChannel } from "./fleet-feed-channel.ts";
import { Notifier } from "./notifier.ts";
import { telegramChannel } from "./telegram-channel.ts";

/** Every channel a deployment has: the fleet feed always, Telegram when configured. */
export const notifierFor = (env: Env): Notifier => new Notifier([fleetFeedChannel(env), telegramChannel(env)]);
