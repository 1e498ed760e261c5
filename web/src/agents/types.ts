import type { InferRequestType, InferResponseType } from "hono/client";
import type { api } from "../api/client.ts";

export type Agent = InferResponseType<typeof api.agents.$get, 200>["items"][number];
export type CreateAgentBody = InferRequestType<typeof api.agents.$post>["json"];
export type UpdateAgentBody = InferRequestType<(typeof api.agents)[":name"]["$patch"]>["json"];
export type Preview = InferResponseType<typeof api.agents.preview.$post, 200>;
export type Skill = InferResponseType<typeof api.skills.$get, 200>["items"][number];
export type SkillVersion = InferResponseType<(typeof api.skills)[":name"]["versions"]["$get"], 200>["items"][number];
export type Tool = Agent["tools"][number];

/** The host tools an agent may be allowed, with what each means. */
export const TOOLS: { tool: Tool; label: string }[] = [
  { tool: "computer", label: "computer — screenshots, mouse and keyboard (every agent has it)" },
  { tool: "ask_human", label: "ask_human — ask a person and wait for the answer" },
  { tool: "type_secret", label: "type_secret — type a secret from the vault without seeing it" },
  { tool: "memory", label: "memory — search and save long-term memory" },
  { tool: "shell", label: "shell — a bash shell on the desktop (where its host allows it)" },
  { tool: "files", label: "files — edit files, attachments, send files back (where its host allows it)" },
  { tool: "browser", label: "browser — the desktop's Chromium over CDP (where its host allows it)" },
  { tool: "web", label: "web — fetch pages from the desktop's network (where its host allows it)" },
  { tool: "mcp", label: "mcp — MCP servers: the host's and this agent's own (where its host allows them)" },
];
