import { describe, expect, it } from "vitest";
import { ATTACHMENT_URL_PREFIX, inboundContent, MAX_TEXT_CHARS, type ChannelInbound, type InboundAttachment } from "./inbound.ts";

const message = (over: Partial<ChannelInbound> = {}): ChannelInbound => ({
  conversationId: "telegram:42",
  channel: "telegram",
  from: { id: "42", name: "Ada" },
  text: "",
  attachments: [],
  replyTo: null,
  edited: false,
  groupId: null,
  at: 1_700_000_000_000,
  ...over,
});
const photo = (id: string): InboundAttachment => ({ id, name: `${id}.png`, contentType: "image/png", bytes: 2048, kind: "image", width: 640, height: 480 });

describe("inboundContent", () => {
  it("turns an album's parts into one turn: the caption once, every image in order, each named by its id", () => {
    const parts = [message({ text: "compare these", attachments: [photo("att_a")], groupId: "g" }), message({ attachments: [photo("att_b")], groupId: "g" }), message({ attachments: [photo("att_c")], groupId: "g" })];
    const { blocks, text, attachments } = inboundContent(parts);
    expect(text).toBe("compare these");
    expect(attachments.map((a) => a.id)).toEqual(["att_a", "att_b", "att_c"]);
    expect(blocks.filter((b) => b.type === "image").map((b) => (b.type === "image" && b.source.type === "url" ? b.source.url : ""))).toEqual(
      ["att_a", "att_b", "att_c"].map((id) => `${ATTACHMENT_URL_PREFIX}${id}`),
    );
    expect(blocks.filter((b) => b.type === "text" && b.text.startsWith("[image att_b: att_b.png (image/png, 640×480, 2.0 kB)]"))).toHaveLength(1);
    expect(blocks.at(-1)).toEqual({ type: "text", text: "[to give these files to a desktop agent, pass their ids (att_a, att_b, att_c) in create_task's attachments]" });
  });

  it("marks an edit and says what a message replies to", () => {
    const { blocks, text } = inboundContent([message({ text: "book the 10:00 train", edited: true, replyTo: "which train?" })]);
    expect(text).toBe("(edited) book the 10:00 train");
    expect(blocks).toEqual([{ type: "text", text: "(replying to: which train?)" }, { type: "text", text: "(edited) book the 10:00 train" }]);
  });

  it("gives a PDF as a document block, a text file as its text with a note when cut, another file as a line naming it", () => {
    const pdf: InboundAttachment = { id: "att_p", name: "invoice.pdf", contentType: "application/pdf", bytes: 4000, kind: "pdf" };
    const notes: InboundAttachment = { id: "att_t", name: "notes.md", contentType: "text/markdown", bytes: 60_000, kind: "text", text: "x".repeat(MAX_TEXT_CHARS), truncated: true };
    const zip: InboundAttachment = { id: "att_z", name: "scan.zip", contentType: "application/zip", bytes: 3_000_000, kind: "file" };
    const { blocks } = inboundContent([message({ attachments: [pdf, notes, zip] })]);
    expect(blocks.find((b) => b.type === "document")).toEqual({ type: "document", source: { type: "url", url: `${ATTACHMENT_URL_PREFIX}att_p` }, title: "invoice.pdf" });
    const text = blocks.find((b) => b.type === "text" && b.text.startsWith("[file att_t"));
    expect(text?.type === "text" && text.text.endsWith(`[the file is longer; only its first ${MAX_TEXT_CHARS} characters are shown]`)).toBe(true);
    expect(blocks).toContainEqual({ type: "text", text: "[file att_z: scan.zip (application/zip, 2.9 MB)]" });
  });

  it("never sends an empty turn", () => {
    expect(inboundContent([message()]).blocks).toEqual([{ type: "text", text: "(empty message)" }]);
  });
});
