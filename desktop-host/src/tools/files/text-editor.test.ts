import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { OutsideRootsError, TaskWorkspace } from "../workspace.ts";
import { runEditor } from "./text-editor.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
async function workspace(extraRoots: string[] = []) {
  const base = mkdtempSync(join(tmpdir(), "deskfleet-editor-"));
  dirs.push(base);
  return TaskWorkspace.open("tsk_editor00001", { base, extraRoots });
}

describe("the text editor on the desktop's files", () => {
  it("creates, views with line numbers, replaces a unique string and inserts after a line", async () => {
    const ws = await workspace();
    expect((await runEditor({ command: "create", path: "notes/a.txt", file_text: "one\ntwo\nthree" }, ws)).write).toMatchObject({ op: "create", bytes: 13 });
    expect((await runEditor({ command: "view", path: "notes/a.txt", view_range: [2, -1] }, ws)).text).toBe("     2\ttwo\n     3\tthree");
    await runEditor({ command: "str_replace", path: "notes/a.txt", old_str: "two", new_str: "2" }, ws);
    await runEditor({ command: "insert", path: "notes/a.txt", insert_line: 1, insert_text: "one and a half" }, ws);
    expect(readFileSync(join(ws.dir, "notes/a.txt"), "utf8")).toBe("one\none and a half\n2\nthree");
    expect((await runEditor({ command: "view", path: "." }, ws)).text).toContain("notes/a.txt");
  });

  it("refuses a replacement whose text is missing or appears more than once, changing nothing", async () => {
    const ws = await workspace();
    await runEditor({ command: "create", path: "b.txt", file_text: "x\nx\n" }, ws);
    await expect(runEditor({ command: "str_replace", path: "b.txt", old_str: "x", new_str: "y" }, ws)).rejects.toThrow(/appears 2 times.*lines 1, 2/);
    await expect(runEditor({ command: "str_replace", path: "b.txt", old_str: "z", new_str: "y" }, ws)).rejects.toThrow(/did not appear verbatim/);
    expect(readFileSync(join(ws.dir, "b.txt"), "utf8")).toBe("x\nx\n");
  });

  it("stays inside the task's roots, even through a symlink that points out of them", async () => {
    const outside = mkdtempSync(join(tmpdir(), "deskfleet-outside-"));
    dirs.push(outside);
    writeFileSync(join(outside, "secret.txt"), "top secret");
    const ws = await workspace();
    symlinkSync(outside, join(ws.dir, "link"));
    await expect(runEditor({ command: "view", path: join(outside, "secret.txt") }, ws)).rejects.toBeInstanceOf(OutsideRootsError);
    await expect(runEditor({ command: "view", path: "link/secret.txt" }, ws)).rejects.toBeInstanceOf(OutsideRootsError);
    await expect(runEditor({ command: "create", path: "../escape.txt", file_text: "x" }, ws)).rejects.toBeInstanceOf(OutsideRootsError);
    await expect(runEditor({ command: "create", path: "link/new.txt", file_text: "x" }, ws)).rejects.toBeInstanceOf(OutsideRootsError);
  });

  it("reaches a folder given as an extra root", async () => {
    const shared = mkdtempSync(join(tmpdir(), "deskfleet-shared-"));
    dirs.push(shared);
    mkdirSync(join(shared, "in"));
    writeFileSync(join(shared, "in", "c.txt"), "shared");
    const ws = await workspace([shared]);
    expect((await runEditor({ command: "view", path: join(shared, "in", "c.txt") }, ws)).text).toBe("     1\tshared");
  });
});
