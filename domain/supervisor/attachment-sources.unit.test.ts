import { describe, expect, it } from "vitest";
import type { MessageParam } from "@anthropic-ai/sdk/resources/messages/messages";
import { withAttachmentBytes } from "./attachment-sources.ts";
import { ATTACHMENT_URL_PREFIX } from "./inbound.ts";

const bytes = new Uint8Array([1, 2, 3, 4]);

describe("withAttachmentBytes", () => {
  it("inlines each referenced image and PDF as base64, loading a file once, and leaves everything else alone", async () => {
    const loads: string[] = [];
    const messages: MessageParam[] = [
      { role: "user", content: [{ type: "text", text: "look" }, { type: "image", source: { type: "url", url: `${ATTACHMENT_URL_PREFIX}att_1` }, cache_control: { type: "ephemeral" } }] },
      { role: "assistant", content: [{ type: "text", text: "ok" }] },
      { role: "user", content: [{ type: "image", source: { type: "url", url: `${ATTACHMENT_URL_PREFIX}att_1` } }, { type: "document", source: { type: "url", url: `${ATTACHMENT_URL_PREFIX}att_2` }, title: "a.pdf" }, { type: "image", source: { type: "url", url: "https://example.com/x.png" } }] },
    ];
    const out = await withAttachmentBytes(messages, async (id) => (loads.push(id), { bytes, contentType: id === "att_1" ? "image/png" : "application/pdf" }));
    expect(out[0]!.content).toEqual([{ type: "text", text: "look" }, { type: "image", source: { type: "base64", media_type: "image/png", data: "AQIDBA==" }, cache_control: { type: "ephemeral" } }]);
    expect(out[1]).toBe(messages[1]);
    expect(out[2]!.content).toEqual([
      { type: "image", source: { type: "base64", media_type: "image/png", data: "AQIDBA==" } },
      { type: "document", source: { type: "base64", media_type: "application/pdf", data: "AQIDBA==" }, title: "a.pdf" },
      { type: "image", source: { type: "url", url: "https://example.com/x.png" } },
    ]);
    expect(loads.sort()).toEqual(["att_1", "att_2"]);
  });

  it("says a file is gone instead of sending a reference the API cannot read", async () => {
    const out = await withAttachmentBytes([{ role: "user", content: [{ type: "image", source: { type: "url", url: `${ATTACHMENT_URL_PREFIX}att_9` } }] }], async () => null);
    expect(out[0]!.content).toEqual([{ type: "text", text: "[attachment att_9 is no longer available]" }]);
  });
});
