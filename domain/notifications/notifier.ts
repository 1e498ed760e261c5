import type { RichLine } from "../telegram/rich-text.ts";

/** Something worth telling people about, independent of where it is shown. */
export type Notification = {
  level: "info" | "success" | "warning" | "error";
  title: string;
  /** Plain summary for channels without formatting (the fleet feed). */
  body: string;
  /** The full message for channels that show more (Telegram), formatted. */
  lines: RichLine[];
  taskId: string | null;
  /** A PNG to show with it (a task's last screenshot). */
  photo: Uint8Array | null;
  /** Telegram chats to use instead of all configured ones (the chat a task came from). */
  telegramChatIds?: number[];
};

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
