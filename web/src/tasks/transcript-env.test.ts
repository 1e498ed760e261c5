import { describe, expect, it } from "vitest";
import { describeToolEvent } from "./transcript.ts";
import { event } from "../test/fixtures.ts";

describe("a shell command with vault variables in the transcript", () => {
  it("names the variables the shell held, and shows the output as stored (values as their labels)", () => {
    const e = event("command", { step: 1, command: "git push", exitCode: 0, durationMs: 812, outputBytes: 30, output: "pushed with [secret:github]\n", ending: "exited", env: ["GITHUB_TOKEN"] });
    expect(describeToolEvent(e as Parameters<typeof describeToolEvent>[0])).toMatchObject({ text: "$ git push → exit 0 (812 ms, 30 B) with $GITHUB_TOKEN from the vault", output: "pushed with [secret:github]\n", ok: true });
  });

  it("says nothing about variables for a shell without any", () => {
    const e = event("command", { step: 1, command: "ls", exitCode: 0, durationMs: 3, outputBytes: 0, output: "", ending: "exited" });
    expect(describeToolEvent(e as Parameters<typeof describeToolEvent>[0]).text).toBe("$ ls → exit 0 (3 ms, 0 B)");
  });
});
