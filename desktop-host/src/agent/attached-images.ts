import type { BetaContentBlockParam } from "@anthropic-ai/sdk/resources/beta/messages/messages";
import { modelImageRefusal, sniffImageFormat } from "@deskfleet/protocol/image-info";
import type { TaskContext } from "../task-runner.ts";

/** Formats the Messages API reads; larger than 5 MB of base64 it refuses. */
const MODEL_IMAGE_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);
const MAX_IMAGE_BYTES = Math.floor((5 * 1024 * 1024 * 3) / 4);
/** A few images are context; more would crowd out the screen. The rest stay files in the task's folder. */
const MAX_IMAGES = 4;

/**
 * The images a task was given (a photo someone sent the supervisor, an attachment) as image
 * blocks for the opening turn, so the agent sees them without opening a file. Only for a task
 * created with attachments; a failure to fetch them is logged and the task goes on without.
 */
export async function attachedImageBlocks(ctx: TaskContext): Promise<BetaContentBlockParam[]> {
  if (!ctx.task.options.attachments) return [];
  try {
    const images = (await ctx.files.list(ctx.signal)).filter((f) => f.kind === "attachment" && MODEL_IMAGE_TYPES.has(f.contentType) && f.bytes <= MAX_IMAGE_BYTES).slice(0, MAX_IMAGES);
    const blocks: BetaContentBlockParam[] = [];
    for (const f of images) {
      const bytes = await ctx.files.download(f.id, ctx.signal);
      // One image the API refuses fails the whole opening turn: such a one stays a file in the folder.
      const refused = modelImageRefusal(bytes);
      if (refused) {
        ctx.emit("log", { level: "warn", message: `The attached image ${f.name} is not shown to the model (${refused}); it is in the task's folder.` });
        continue;
      }
      blocks.push({ type: "text", text: `Attached image ${f.name}:` });
      // The bytes' own format, not the name's: the API refuses a media type the bytes contradict.
      blocks.push({ type: "image", source: { type: "base64", media_type: sniffImageFormat(bytes) ?? (f.contentType as "image/png"), data: Buffer.from(bytes).toString("base64") } });
    }
    return blocks;
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    ctx.emit("log", { level: "warn", message: `The task's attached images could not be shown to the model: ${err instanceof Error ? err.message : String(err)}` });
    return [];
  }
}
