import type { ContentBlockParam, MessageParam } from "@anthropic-ai/sdk/resources/messages/messages";
import { ATTACHMENT_URL_PREFIX } from "./inbound.ts";

/** A stored attachment's bytes and type, or null when it is gone. */
export type LoadAttachment = (id: string) => Promise<{ bytes: Uint8Array; contentType: string } | null>;

const refOf = (b: ContentBlockParam): string | null => {
  if ((b.type === "image" || b.type === "document") && b.source.type === "url" && b.source.url.startsWith(ATTACHMENT_URL_PREFIX)) {
    return b.source.url.slice(ATTACHMENT_URL_PREFIX.length);
  }
  return null;
};

/**
 * The conversation as the model is sent it: each image or PDF a person sent, stored as a
 * reference (a Durable Object's SQLite row holds at most 2 MB), read from R2 and inlined as
 * base64. One that is gone becomes a line saying so.
 */
export async function withAttachmentBytes(messages: MessageParam[], load: LoadAttachment): Promise<MessageParam[]> {
  const cache = new Map<string, Promise<{ bytes: Uint8Array; contentType: string } | null>>();
  const get = (id: string) => {
    let p = cache.get(id);
    if (!p) cache.set(id, (p = load(id)));
    return p;
  };
  return Promise.all(
    messages.map(async (m) => {
      if (m.role !== "user" || typeof m.content === "string" || !m.content.some((b) => refOf(b) !== null)) return m;
      const content = await Promise.all(
        m.content.map(async (b): Promise<ContentBlockParam> => {
          const id = refOf(b);
          if (id === null) return b;
          const file = await get(id);
          const cache_control = "cache_control" in b && b.cache_control ? { cache_control: b.cache_control } : {};
          if (!file) return { type: "text", text: `[attachment ${id} is no longer available]`, ...cache_control };
          const data = Buffer.from(file.bytes).toString("base64");
          if (b.type === "document") return { type: "document", source: { type: "base64", media_type: "application/pdf", data }, ...(b.title ? { title: b.title } : {}), ...cache_control };
          return { type: "image", source: { type: "base64", media_type: file.contentType as "image/png", data }, ...cache_control };
        }),
      );
      return { role: "user" as const, content };
    }),
  );
}
