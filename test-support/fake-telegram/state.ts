import type { BotCommand, Chat, InlineKeyboardMarkup, Message, User, UserFromGetMe } from "grammy/types";
import type { Upload } from "./params.ts";

export type WebhookState = {
  url: string;
  secretToken: string | null;
  allowedUpdates: string[] | null;
  maxConnections: number;
  setAt: number;
};

/** A file Telegram holds: `upload` its bytes (null for a URL it was given), `path` once getFile named it. */
export type StoredFile = {
  fileId: string;
  fileUniqueId: string;
  kind: "photo" | "document" | "voice" | "audio" | "sticker" | "video";
  upload: Upload | null;
  url: string | null;
  path: string | null;
};

/** Everything the fake Telegram remembers about one bot: its chats, messages, webhook and commands. */
export class BotWorld {
  readonly token: string;
  readonly me: UserFromGetMe;
  readonly chats = new Map<number, Chat>();
  /** The people in each group chat, in order; the first speaks when a test names nobody. */
  readonly members = new Map<number, User[]>();
  readonly blocked = new Set<number>();
  /** Messages by `${chatId}:${messageId}`, including those users sent. */
  readonly messages = new Map<string, Message>();
  readonly callbackQueries = new Map<string, { answered: boolean; chatId: number }>();
  readonly files = new Map<string, StoredFile>();
  /** Files by the `file_path` getFile gave them, for `/file/bot<token>/<file_path>`. */
  readonly filesByPath = new Map<string, StoredFile>();
  /** Every download from the file endpoint: its path and whether it was served. */
  readonly downloads: { path: string; status: number }[] = [];
  /** The bot's reaction on each message (`${chatId}:${messageId}`), as setMessageReaction left it. */
  readonly reactions = new Map<string, string[]>();
  /** Commands by scope and language (`default:`), as setMyCommands stored them. */
  readonly commands = new Map<string, BotCommand[]>();
  webhook: WebhookState | null = null;
  private readonly nextMessageId = new Map<number, number>();
  private counter = 0;

  constructor(token: string, me: UserFromGetMe) {
    this.token = token;
    this.me = me;
  }

  /** A private chat with a person, as Telegram creates it when they first write to the bot. */
  ensurePrivateChat(id: number, firstName = `User ${id}`, username?: string): Chat.PrivateChat {
    const existing = this.chats.get(id);
    if (existing?.type === "private") return existing;
    const chat: Chat.PrivateChat = { id, type: "private", first_name: firstName, ...(username ? { username } : {}) };
    this.chats.set(id, chat);
    return chat;
  }

  /** A group chat (negative id) with its members, as when the bot is added to a group. */
  ensureGroup(id: number, title: string, members: { id: number; firstName?: string; username?: string }[]): Chat.GroupChat {
    if (id >= 0) throw new Error("fake-telegram: a group chat id is negative");
    const chat: Chat.GroupChat = { id, type: "group", title };
    this.chats.set(id, chat);
    this.members.set(id, members.map((m) => ({ id: m.id, is_bot: false, first_name: m.firstName ?? `User ${m.id}`, ...(m.username ? { username: m.username } : {}), language_code: "en" })));
    return chat;
  }

  /** Who speaks in a chat: the private chat's person, or a group's member (`from`, or its first). */
  userOf(chat: Chat, from?: number): User {
    if (chat.type === "private") return { id: chat.id, is_bot: false, first_name: chat.first_name, ...(chat.username ? { username: chat.username } : {}), language_code: "en" };
    const members = this.members.get(chat.id) ?? [];
    const member = from === undefined ? members[0] : members.find((m) => m.id === from);
    if (!member && from !== undefined) throw new Error(`fake-telegram: user ${from} is not a member of chat ${chat.id}`);
    return member ?? { id: 777_000_001, is_bot: false, first_name: "Group member", language_code: "en" };
  }

  mintMessageId(chatId: number): number {
    const id = this.nextMessageId.get(chatId) ?? 1;
    this.nextMessageId.set(chatId, id + 1);
    return id;
  }

  message(chatId: number, messageId: number): Message | undefined {
    return this.messages.get(`${chatId}:${messageId}`);
  }

  store(message: Message): Message {
    this.messages.set(`${message.chat.id}:${message.message_id}`, message);
    return message;
  }

  /** Deleted messages, as they were, in the order they were deleted. */
  readonly deleted: Message[] = [];

  remove(message: Message): void {
    this.messages.delete(`${message.chat.id}:${message.message_id}`);
    this.deleted.push(message);
  }

  /** Messages in a chat in order, both directions. */
  messagesIn(chatId: number): Message[] {
    return [...this.messages.values()].filter((m) => m.chat.id === chatId).sort((a, b) => a.message_id - b.message_id);
  }

  mintFileNumber(): number {
    this.counter += 1;
    return this.counter;
  }

  mintId(prefix: string): string {
    this.counter += 1;
    return `${prefix}${this.counter.toString(36).padStart(6, "0")}${Math.random().toString(36).slice(2, 10)}`;
  }

  callbackDataOf(markup: InlineKeyboardMarkup | undefined): string[] {
    return (markup?.inline_keyboard ?? []).flat().flatMap((b) => ("callback_data" in b && b.callback_data ? [b.callback_data] : []));
  }
}

export const now = (): number => Math.floor(Date.now() / 1000);
