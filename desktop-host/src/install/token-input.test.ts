import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { readSecret, type SecretSource } from "./token-input.ts";

const sink = () => {
  let text = "";
  return { stream: { write: (s: string) => ((text += s), true) } as unknown as NodeJS.WritableStream, text: () => text };
};
/** Piped standard input, and no terminal (as under CI): asking one yields nothing. */
const source = (stdin: string): SecretSource & { asked: () => boolean } => {
  let asked = false;
  return {
    stdin: Readable.from([stdin]),
    stderr: sink().stream,
    openTerminal: () => {
      asked = true;
      return null;
    },
    asked: () => asked,
  };
};

describe("reading the host token for --token-stdin", () => {
  it("takes the first non-empty line of piped standard input, trimmed, without asking a terminal", async () => {
    const s = source("\n  dfh_abcdefghijklmnop  \r\nignored\n");
    expect(await readSecret(s, "token: ")).toBe("dfh_abcdefghijklmnop");
    expect(s.asked()).toBe(false);
  });

  it("turns to the terminal when standard input is empty (curl … | sh left it at its end), and gives up without one", async () => {
    const s = source("");
    expect(await readSecret(s, "token: ")).toBeNull();
    expect(s.asked()).toBe(true);
  });

  it("refuses standard input far longer than a token", async () => {
    await expect(readSecret(source("x".repeat(5000)), "token: ")).rejects.toThrow(/pipe just the token/);
  });
});
