import type { Notification } from "../channels/chat-channel.ts";

export type { Notification };

export interface NotificationChannel {
  readonly name: string;
  send(n: Notification): Promise<void>;
}

export type Delivery = { channel: string; ok: boolean; error?: string };

/** Sends to every channel; one channel failing never keeps the others from being told. */
export class Notifier {
  private readonly channels: readonly NotificationChannel[];
  constructor(channels: readonly NotificationChannel[]) {
    this.channels = channels;
  }

  async notify(n: Notification): Promise<Delivery[]> {
    return Promise.all(
      this.channels.map(async (ch): Promise<Delivery> => {
        try {
          await ch.send(n);
          return { channel: ch.name, ok: true };
        } catch (err) {
          const error = err instanceof Error ? err.message : String(err);
          console.error(`notification to ${ch.name} failed:`, error);
          return { channel: ch.name, ok: false, error };
        }
      }),
    );
  }
}
