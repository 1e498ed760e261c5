import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { mergeEnvFile, quoteEnvValue, readEnvFile, withEnvFile } from "./env-file.ts";

const dir = () => mkdtempSync(join(tmpdir(), "dfh-env-"));

describe("the installed host's env file", () => {
  afterEach(() => {
    delete process.env["DFH_TEST_ONLY_FROM_FILE"];
  });

  it("reads back every value exactly as written, quotes, hashes, backslashes and spaces included", () => {
    const values = ["sk-ant-api03-abc_DEF-123", "p@ss w#rd", 'say "hi"', "it's", "back\\nslash", " padded ", "back`tick", "ünïcode"];
    for (const v of values) expect(parseEnv(`K=${quoteEnvValue("K", v)}\n`)["K"], v).toBe(v);
    expect(() => quoteEnvValue("K", "both ' and `")).toThrow(/cannot quote/);
    expect(() => quoteEnvValue("K", "two\nlines")).toThrow(/one line/);
    expect(() => quoteEnvValue("NOT A NAME", "x")).toThrow(/not a variable name/);
  });

  it("is written readable by its owner only, and a merge keeps the values it does not replace", () => {
    const path = join(dir(), "env");
    mergeEnvFile(path, { ANTHROPIC_API_KEY: "sk-ant-first", DESKFLEET_VNC_PASSWORD: "vnc pw" });
    mergeEnvFile(path, { ANTHROPIC_API_KEY: "sk-ant-second" });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readEnvFile(path)).toEqual({ ANTHROPIC_API_KEY: "sk-ant-second", DESKFLEET_VNC_PASSWORD: "vnc pw" });
    expect(readFileSync(path, "utf8")).toMatch(/^# deskfleet-host reads this file/);
  });

  it("adds what the environment lacks, never replaces what it has, and puts the additions into process.env for the SDK", () => {
    const path = join(dir(), "env");
    writeFileSync(path, "ANTHROPIC_API_KEY='sk-ant-from-file'\nDFH_TEST_ONLY_FROM_FILE='yes'\n");
    const env = withEnvFile({ ANTHROPIC_API_KEY: "sk-ant-from-shell", PATH: "/bin" }, path);
    expect(env).toEqual({ ANTHROPIC_API_KEY: "sk-ant-from-shell", PATH: "/bin", DFH_TEST_ONLY_FROM_FILE: "yes" });
    expect(process.env["DFH_TEST_ONLY_FROM_FILE"]).toBe("yes");
    expect(withEnvFile({ A: "1" }, null)).toEqual({ A: "1" });
    expect(withEnvFile({ A: "1" }, join(dir(), "missing"))).toEqual({ A: "1" });
  });
});
