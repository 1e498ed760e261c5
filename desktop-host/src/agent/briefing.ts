import { createHash } from "node:crypto";
import type { BetaContentBlockParam } from "@anthropic-ai/sdk/resources/beta";
import type { AssignedTask } from "@deskfleet/protocol";

// What a task starts with besides its prompt (resolved by the control plane
// when it assigned the task): the memories that fit its prompt, and with
// `continueFrom: "last"` a summary of the previous task on this desktop —
// its prompt, its result and its last screen — instead of its raw log.

type Briefing = NonNullable<AssignedTask["briefing"]>;

export function briefingBlocks(b: Briefing, screenNowPng: Uint8Array | null): BetaContentBlockParam[] {
  const blocks: BetaContentBlockParam[] = [];
  if (b.memories.length > 0) {
    const notes = b.memories.map((m) => `- [${m.collection}] ${m.content.replace(/\s*\n\s*/g, " ")}`);
    blocks.push({ type: "text", text: ["<memories>", "Saved by earlier tasks; they may help here. Check them against what you see.", ...notes, "</memories>"].join("\n") });
  }
  const p = b.previous;
  if (p) {
    const when = p.finishedAt === null ? "" : `, finished ${new Date(p.finishedAt).toISOString().slice(0, 16).replace("T", " ")} UTC`;
    const outcome = p.status === "completed" ? `Its result: ${p.result ?? "(none)"}` : `It ${p.status}${p.error ? `: ${p.error.message} (${p.error.code})` : "."}`;
    const lines = [`<previous_task id="${p.taskId}">`, `The task before this one on this desktop (${p.status}${when}). Continue from where it left off if this task builds on it.`, `Its prompt: ${p.prompt}`, outcome];
    const shot = p.screenshot;
    const same = shot !== null && screenNowPng !== null && sha256(Buffer.from(shot.png, "base64")) === sha256(screenNowPng);
    if (shot && !same) {
      blocks.push({ type: "text", text: [...lines, "Its last screen (the screen may have changed since):", "</previous_task>"].join("\n") });
      blocks.push({ type: "image", source: { type: "base64", media_type: "image/png", data: shot.png } });
    } else {
      blocks.push({ type: "text", text: [...lines, shot ? "Its last screen is the screen you see now." : "", "</previous_task>"].filter(Boolean).join("\n") });
    }
  }
  return blocks;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
