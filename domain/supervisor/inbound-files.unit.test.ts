import { describe, expect, it } from "vitest";
import { describeFile } from "./inbound-files.ts";
import { MAX_TEXT_CHARS } from "./inbound.ts";
import { makePng } from "../../test-support/scripted-anthropic/test-images.ts";
import { makePdf } from "../../test-support/fake-telegram/test-files.ts";

const png = new Uint8Array(makePng(64, 48));

describe("describeFile", () => {
  it("shows an image by what its bytes are, whatever type the chat app reported", () => {
    expect(describeFile("scan.pdf", "application/pdf", png)).toMatchObject({ kind: "image", contentType: "image/png" });
  });

  it("keeps an image the API would refuse (over 8000 px on a side) as an attachment that says why, so the conversation never carries it to the model", () => {
    const wide = new Uint8Array(makePng(8001, 3));
    expect(describeFile("panorama.png", "image/png", wide)).toMatchObject({ kind: "file", contentType: "image/png", note: "not shown to the model: it is 8001×3 pixels, over the model's 8000 on a side; a desktop agent can still open it" });
    expect(describeFile("tall.png", "image/png", new Uint8Array(makePng(3, 8000)))).toMatchObject({ kind: "image" });
  });

  it("gives a PDF as a PDF, and keeps one over 10 MB as an attachment that says why", () => {
    const pdf = makePdf("hello");
    expect(describeFile("a.pdf", "application/pdf", pdf)).toMatchObject({ kind: "pdf", contentType: "application/pdf", bytes: pdf.length });
    const big = new Uint8Array(11 * 1024 * 1024);
    big.set(pdf);
    expect(describeFile("big.pdf", "application/pdf", big)).toMatchObject({ kind: "file", note: expect.stringContaining("too large to show the model") });
  });

  it("reads text files as text, cut at the limit and marked so", () => {
    const csv = new TextEncoder().encode("a,b\n1,2\n");
    expect(describeFile("t.csv", "text/csv", csv)).toMatchObject({ kind: "text", text: "a,b\n1,2\n" });
    const long = new TextEncoder().encode("y".repeat(MAX_TEXT_CHARS + 10));
    const d = describeFile("long.txt", "text/plain", long);
    expect(d).toMatchObject({ kind: "text", truncated: true });
    expect(d.text).toHaveLength(MAX_TEXT_CHARS);
  });

  it("keeps binary content that claims to be text as a plain attachment", () => {
    expect(describeFile("x.txt", "text/plain", new Uint8Array([0x00, 0xff, 0x10, 0x00]))).toMatchObject({ kind: "file", contentType: "text/plain" });
    expect(describeFile("x.bin", "not a type", new Uint8Array([1, 2, 3]))).toMatchObject({ kind: "file", contentType: "application/octet-stream" });
  });
});
