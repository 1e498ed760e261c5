import type { ConversationKind } from "@deskfleet/protocol";
import { conversationTools } from "./conversation.ts";
import { desktopTools } from "./desktops.ts";
import { helpTools } from "./help.ts";
import { liveDesktopTools } from "./live-desktop.ts";
import { retryTask, savePrompt } from "./jobs.ts";
import { scheduleTools } from "./schedules.ts";
import { taskTools } from "./tasks.ts";
import { runCommandTool } from "./run-command.ts";
import type { SupervisorTool } from "./tool.ts";
import { agentTools, profileTools } from "./agents.ts";
import { memorySave, memorySearch, memoryTools } from "./memory.ts";
import { listSecrets, unlockScreen } from "./unlock-screen.ts";

const readTasks = taskTools.filter((t) => t.name === "get_task" || t.name === "search_tasks" || t.name === "get_task_screenshot");

/**
 * The tools of each kind of conversation. A chat with people gets the whole
 * fleet; a healer or optimizer job gets what it needs to look, plus its one
 * way to act (no ask_human: nobody is in that conversation).
 */
export function toolsFor(kind: ConversationKind): readonly SupervisorTool[] {
  switch (kind) {
    case "dash":
    case "telegram":
      return [...desktopTools, ...liveDesktopTools, ...taskTools, runCommandTool(), ...scheduleTools, ...helpTools, ...conversationTools, ...agentTools, ...memoryTools, ...profileTools, listSecrets, unlockScreen];
    case "heal":
      return [...desktopTools, liveDesktopTools[0]!, ...readTasks, retryTask, memorySearch, memorySave];
    case "learn":
      return [...readTasks, savePrompt, memorySearch, memorySave];
  }
}
