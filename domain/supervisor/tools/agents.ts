import { z } from "zod";
import { MAX_USER_PROFILE_CHARS } from "@deskfleet/protocol";
import { listAgents, toAgent } from "../../../db/agents.ts";
import { setUserProfile } from "../../agents/user-profile.ts";
import { cut } from "../conversation-window.ts";
import { json, tool } from "./tool.ts";

/** The agents, for picking one by its description (create_task's `agent`). */
export const agentTools = [
  tool({
    name: "list_agents",
    description:
      "List the agents: each has a name, a description of the work it does, the tools it may use, its skills and its default desktop. Pick the agent whose description fits a task and pass its name as create_task's `agent`.",
    input: z.strictObject({}),
    effect: "read",
    run: async (ctx) =>
      json({
        agents: (await listAgents(ctx.env.DB)).map(toAgent).map((a) => ({
          name: a.name,
          description: a.description,
          instructions: cut(a.instructions, 300),
          tools: a.tools,
          skills: a.skills,
          target: a.target,
          maxSteps: a.maxSteps,
          budgetUsd: a.budgetUsd,
          continueFrom: a.continueFrom,
        })),
      }),
  }),
];

/** The user profile, rewritten when a person tells the supervisor something about themselves. */
export const profileTools = [
  tool({
    name: "update_user_profile",
    description:
      "Replace the user profile (shown to you above as <user_profile>) with a new full text: names, time zone, preferences of the people this fleet works for. Keep what is still true and add what the person just told you; every agent reads it.",
    input: z.strictObject({ text: z.string().trim().max(MAX_USER_PROFILE_CHARS).describe("The whole new profile, not a diff") }),
    effect: "memory",
    run: async (ctx, { text }) => {
      const profile = await setUserProfile(ctx.env, text, ctx.actor);
      return json({ saved: { chars: profile.text.length, updatedAt: profile.updatedAt } });
    },
  }),
];
