import { describe, expect, it } from "vitest";
import { CreateAgentBody } from "./agents.ts";
import { mcpSecretNames, resolveSecretRefs } from "./mcp-servers.ts";
import { envSecretNames, TaskEnv } from "./shell-env.ts";
import { TaskOptions } from "./task.ts";

const problems = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) => (r.error?.issues ?? []).map((i) => `${i.path.join(".")}: ${i.message}`);

describe("a task's env", () => {
  it("takes vault references under variable names", () => {
    expect(TaskOptions.parse({ env: { GITHUB_TOKEN: "secret:github", _x1: "secret:a.b-c" } }).env).toEqual({ GITHUB_TOKEN: "secret:github", _x1: "secret:a.b-c" });
    expect(envSecretNames({ A: "secret:github", B: "secret:github", C: "secret:aws" })).toEqual(["aws", "github"]);
  });

  it("refuses a plain value and says to put it in the vault", () => {
    expect(problems(TaskEnv.safeParse({ GITHUB_TOKEN: "ghp_abc" }))).toEqual([expect.stringMatching(/^GITHUB_TOKEN: env values are vault references like `secret:github`, never plain values .*POST \/api\/secrets/)]);
    // A reference with text around it is not a reference either: the value would be half plain.
    expect(TaskEnv.safeParse({ T: "Bearer secret:github" }).success).toBe(false);
    expect(TaskEnv.safeParse({ T: "secret:GitHub" }).success).toBe(false);
  });

  it.each(["PATH", "HOME", "path", "LD_PRELOAD", "LD_LIBRARY_PATH", "DYLD_INSERT_LIBRARIES", "BASH_ENV", "PROMPT_COMMAND", "DESKFLEET_TASK_ID", "NODE_OPTIONS", "IFS"])("refuses the reserved name %s", (name) => {
    expect(problems(TaskEnv.safeParse({ [name]: "secret:github" }))[0]).toMatch(new RegExp(`^${name}: \`${name}\` is reserved`));
  });

  it.each(["1TOKEN", "MY-TOKEN", "MY TOKEN", "", "A".repeat(65)])("refuses %j, which is not a variable name", (name) => {
    expect(problems(TaskEnv.safeParse({ [name]: "secret:github" }))[0]).toMatch(/is not a variable name/);
  });

  it("takes at most 20 variables", () => {
    const env = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`V${i}`, "secret:github"]));
    expect(TaskEnv.safeParse(env(20)).success).toBe(true);
    expect(problems(TaskEnv.safeParse(env(21)))).toEqual([": env takes at most 20 variables, not 21"]);
  });
});

describe("an agent's MCP servers", () => {
  const agent = (mcpServers: unknown) => CreateAgentBody.safeParse({ name: "docs", description: "x", mcpServers });

  it("takes URL servers with headers and command servers with args and env, naming the vault secrets they use", () => {
    const r = agent({
      docs: { url: "https://mcp.example.com/mcp", headers: { Authorization: "Bearer {{secret:docs}}", "X-Team": "blue" } },
      notes: { command: "npx", args: ["-y", "notes"], env: { NOTES_TOKEN: "secret:notes", REGION: "eu" } },
    });
    expect(r.success).toBe(true);
    expect(mcpSecretNames(r.data!.mcpServers)).toEqual(["docs", "notes"]);
  });

  it("refuses credentials written in plain text, a server that is both or neither, and a bad name", () => {
    expect(problems(agent({ docs: { url: "https://x.example/mcp", headers: { authorization: "Bearer abc" } } }))).toEqual([expect.stringMatching(/header authorization carries a credential: put it in the vault/)]);
    expect(problems(agent({ n: { command: "npx", env: { API_KEY: "abc" } } }))).toEqual([expect.stringMatching(/API_KEY looks like a credential/)]);
    expect(agent({ n: { url: "https://x.example", command: "npx" } }).success).toBe(false);
    expect(agent({ n: {} }).success).toBe(false);
    expect(agent({ "Bad Name": { url: "https://x.example" } }).success).toBe(false);
    expect(agent({ n: { url: "file:///etc/passwd" } }).success).toBe(false);
    expect(agent({ n: { command: "x", env: { LD_PRELOAD: "secret:x" } } }).success).toBe(false);
  });

  it("fills a value's vault references, whole or inside text", () => {
    const values: Record<string, string> = { docs: "tok-1", other: "tok-2" };
    expect(resolveSecretRefs("secret:docs", (n) => values[n]!)).toBe("tok-1");
    expect(resolveSecretRefs("Bearer {{secret:docs}} and {{ secret:other }}", (n) => values[n]!)).toBe("Bearer tok-1 and tok-2");
    expect(resolveSecretRefs("plain", () => "never")).toBe("plain");
  });
});
