import { z } from "zod";
import { TaskId } from "@deskfleet/protocol";
import { ApiError } from "../../api-error.ts";
import { latestScreenshot } from "./screenshots.ts";
import { requireTask } from "./tasks.ts";
import { tool } from "./tool.ts";

/** Tools that talk to the people in this conversation (dashboard chat or Telegram chat). */
export const conversationTools = [
  tool({
    name: "ask_human",
    description: "Ask the person in this conversation a question and wait for their next message, which comes back as this tool's result.",
    input: z.strictObject({ question: z.string().trim().min(1).max(4_000) }),
    effect: "conversation",
    run: async (_ctx, { question }) => ({ wait: { kind: "human", question } }),
  }),
  tool({
    name: "send_message",
    description: "Send a message to the person now, while you keep working (progress, an intermediate finding). Your final reply is sent anyway.",
    input: z.strictObject({ text: z.string().trim().min(1).max(8_000) }),
    effect: "conversation",
    run: async (ctx, { text }) => {
      await ctx.channel.say(text);
      return { content: "sent" };
    },
  }),
  tool({
    name: "send_screenshot",
    description: "Show the person the latest screenshot of a task, with an optional caption.",
    input: z.strictObject({ taskId: TaskId, caption: z.string().trim().max(1_000).optional() }),
    effect: "conversation",
    run: async (ctx, { taskId, caption }) => {
      await requireTask(ctx.env, taskId);
      const shot = await latestScreenshot(ctx.env, taskId);
      if (!shot) throw new ApiError(404, "no_screenshot", `task ${taskId} has no screenshot yet; nothing was sent`);
      await ctx.channel.showScreenshot({ taskId, name: shot.name, caption: caption ?? null });
      return { content: `sent screenshot ${shot.name} of task ${taskId}` };
    },
  }),
];
