import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readableByOthers, writePrivateFile } from "./atomic-file.ts";

describe("private files", () => {
  it("replace a world-readable file with one only its owner can read, leaving no temporary file behind", () => {
    const dir = mkdtempSync(join(tmpdir(), "dfh-private-"));
    const path = join(dir, "host-token");
    writeFileSync(path, "old\n");
    chmodSync(path, 0o644);
    expect(readableByOthers(path)).toBe(true);
    writePrivateFile(path, "dfh_new\n");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readableByOthers(path)).toBe(false);
    expect(readFileSync(path, "utf8")).toBe("dfh_new\n");
    expect(readdirSync(dir)).toEqual(["host-token"]);
  });

  it("are not judged by POSIX modes on Windows", () => {
    const path = join(mkdtempSync(join(tmpdir(), "dfh-private-")), "f");
    writeFileSync(path, "x", { mode: 0o644 });
    expect(readableByOthers(path, "win32")).toBe(false);
  });
});
