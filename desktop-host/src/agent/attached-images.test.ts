import { describe, expect, it } from "vitest";
import type { TaskFile } from "@deskfleet/protocol";
import type { TaskContext } from "../task-runner.ts";
import { attachedImageBlocks } from "./attached-images.ts";
import { makePng } from "../../../test-support/scripted-anthropic/test-images.ts";

const PNG = new Uint8Array(makePng(40, 30));
/** A real PNG header the API would refuse: 9000 pixels wide. */
const WIDE = new Uint8Array(makePng(9000, 2));

const file = (id: string, name: string, contentType: string, bytes: number, kind: TaskFile["kind"] = "attachment"): TaskFile => ({ id, taskId: "tsk_1", kind, name, contentType, bytes, by: "supervisor", createdAt: 1 });

/** The part of a task's context this reads: its options, its files, its signal, its log. */
function context(attachments: number | undefined, files: TaskFile[], bytesOf: (id: string) => Uint8Array = () => PNG) {
  const listed: string[] = [];
  const logs: unknown[] = [];
  const ctx = {
    task: { id: "tsk_1", options: attachments ? { attachments } : {} },
    signal: new AbortController().signal,
    emit: (_kind: string, data: unknown) => void logs.push(data),
    files: {
      list: async () => (listed.push("list"), files),
      download: async (id: string) => (listed.push(id), bytesOf(id)),
      upload: async () => {
        throw new Error("not here");
      },
    },
  } as unknown as TaskContext;
  return { ctx, listed, logs };
}

describe("attachedImageBlocks", () => {
  it("shows the task's attached images to the model, not its other files, artifacts or images too big for the API", async () => {
    const { ctx, listed } = context(4, [
      file("fil_1", "photo-3.png", "image/png", PNG.length),
      file("fil_2", "invoice.pdf", "application/pdf", 4000),
      file("fil_3", "huge.jpg", "image/jpeg", 6 * 1024 * 1024),
      file("fil_4", "shot.png", "image/png", 4, "artifact"),
    ]);
    const blocks = await attachedImageBlocks(ctx);
    expect(blocks).toEqual([{ type: "text", text: "Attached image photo-3.png:" }, { type: "image", source: { type: "base64", media_type: "image/png", data: Buffer.from(PNG).toString("base64") } }]);
    expect(listed).toEqual(["list", "fil_1"]);
  });

  it("asks the control plane nothing for a task created without attachments", async () => {
    const { ctx, listed } = context(undefined, [file("fil_1", "a.png", "image/png", 4)]);
    expect(await attachedImageBlocks(ctx)).toEqual([]);
    expect(listed).toEqual([]);
  });

  it("keeps an image the API would refuse (over 8000 px on a side) out of the opening turn, says so, and shows the others with the bytes' own format", async () => {
    const { ctx, logs } = context(2, [file("fil_1", "panorama.png", "image/png", WIDE.length), file("fil_2", "named-wrong.jpg", "image/jpeg", PNG.length)], (id) => (id === "fil_1" ? WIDE : PNG));
    const blocks = await attachedImageBlocks(ctx);
    expect(blocks).toEqual([{ type: "text", text: "Attached image named-wrong.jpg:" }, { type: "image", source: { type: "base64", media_type: "image/png", data: Buffer.from(PNG).toString("base64") } }]);
    expect(logs).toEqual([{ level: "warn", message: "The attached image panorama.png is not shown to the model (it is 9000×2 pixels, over the model's 8000 on a side); it is in the task's folder." }]);
  });
});
