import { describe, expect, it } from "vitest";
import type { TaskFile } from "@deskfleet/protocol";
import type { TaskContext } from "../task-runner.ts";
import { attachedImageBlocks } from "./attached-images.ts";

const file = (id: string, name: string, contentType: string, bytes: number, kind: TaskFile["kind"] = "attachment"): TaskFile => ({ id, taskId: "tsk_1", kind, name, contentType, bytes, by: "supervisor", createdAt: 1 });

/** The part of a task's context this reads: its options, its files, its signal, its log. */
function context(attachments: number | undefined, files: TaskFile[]) {
  const listed: string[] = [];
  const logs: unknown[] = [];
  const ctx = {
    task: { id: "tsk_1", options: attachments ? { attachments } : {} },
    signal: new AbortController().signal,
    emit: (_kind: string, data: unknown) => void logs.push(data),
    files: {
      list: async () => (listed.push("list"), files),
      download: async (id: string) => (listed.push(id), new Uint8Array([0x89, 0x50, 0x4e, 0x47])),
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
      file("fil_1", "photo-3.png", "image/png", 4),
      file("fil_2", "invoice.pdf", "application/pdf", 4000),
      file("fil_3", "huge.jpg", "image/jpeg", 6 * 1024 * 1024),
      file("fil_4", "shot.png", "image/png", 4, "artifact"),
    ]);
    const blocks = await attachedImageBlocks(ctx);
    expect(blocks).toEqual([{ type: "text", text: "Attached image photo-3.png:" }, { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw==" } }]);
    expect(listed).toEqual(["list", "fil_1"]);
  });

  it("asks the control plane nothing for a task created without attachments", async () => {
    const { ctx, listed } = context(undefined, [file("fil_1", "a.png", "image/png", 4)]);
    expect(await attachedImageBlocks(ctx)).toEqual([]);
    expect(listed).toEqual([]);
  });
});
