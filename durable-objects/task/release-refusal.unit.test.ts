import { describe, expect, it } from "vitest";
import { releaseRefusal } from "./task-secrets.ts";

const task = { id: "tsk_1", options: { env: { GITHUB_TOKEN: "secret:github" } } };
const servers = { docs: { url: "https://mcp.example.com/mcp", headers: { Authorization: "Bearer {{secret:docs}}" } } };

describe("which uses a task's host may get a vault value for", () => {
  it("releases for the shell only a secret the task's env names, and only with the shell in its tools", () => {
    expect(releaseRefusal(task, ["shell"], undefined, "github", "shell_env")).toBeNull();
    expect(releaseRefusal(task, undefined, undefined, "github", "shell_env")).toBeNull();
    expect(releaseRefusal(task, ["shell"], undefined, "aws", "shell_env")).toMatch(/env does not name secret `aws`/);
    expect(releaseRefusal(task, ["files"], undefined, "github", "shell_env")).toMatch(/has no shell/);
  });

  it("releases for an MCP server only a secret one of its agent's servers names, with that server allowed", () => {
    expect(releaseRefusal(task, ["mcp"], servers, "docs", "mcp_server")).toBeNull();
    expect(releaseRefusal(task, ["mcp:docs"], servers, "docs", "mcp_server")).toBeNull();
    expect(releaseRefusal(task, ["mcp:other"], servers, "docs", "mcp_server")).toMatch(/may not use MCP server docs/);
    expect(releaseRefusal(task, ["mcp"], servers, "github", "mcp_server")).toMatch(/no MCP server .* names secret `github`/);
  });

  it("releases for typing only with type_secret, whatever env names", () => {
    expect(releaseRefusal(task, ["shell"], undefined, "github", "type_secret")).toMatch(/may not type secrets/);
    expect(releaseRefusal(task, ["type_secret"], undefined, "github", "type_secret")).toBeNull();
  });
});
