import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BashSession } from "./bash-session.ts";

const dirs: string[] = [];
const sessions: BashSession[] = [];
function shell(options: { inactivityTimeoutMs?: number } = {}) {
  const cwd = mkdtempSync(join(tmpdir(), "deskfleet-bash-"));
  dirs.push(cwd);
  const s = new BashSession({ cwd, env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: cwd }, ...options });
  sessions.push(s);
  return { s, cwd };
}
afterEach(() => {
  for (const s of sessions.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Processes of a process group that still run (zombies waiting for a reaper do not count). */
function runningInGroup(pgid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(pgrp) === pgid && state !== "Z") out.push(Number(entry));
    } catch {
      // Gone while we looked.
    }
  }
  return out;
}

describe("a task's persistent shell", () => {
  it("keeps the working directory and variables from one command to the next", async () => {
    const { s, cwd } = shell();
    expect(await s.run("mkdir sub && cd sub && export GREETING=hello")).toMatchObject({ exitCode: 0, ending: "exited", output: "" });
    const r = await s.run('pwd; echo "$GREETING"');
    expect(r.output).toBe(`${cwd}/sub\nhello\n`);
  });

  it("reports the exit code, and stderr between stdout lines in the order printed", async () => {
    const { s } = shell();
    const r = await s.run("echo one; echo two >&2; echo three; exit_with() { return 3; }; exit_with");
    expect(r).toMatchObject({ exitCode: 3, ending: "exited", output: "one\ntwo\nthree\n" });
  });

  it("answers a syntax error without hanging the shell, which still runs the next command", async () => {
    const { s } = shell();
    const r = await s.run('echo "unclosed');
    expect(r.exitCode).toBe(2);
    expect(r.output).toMatch(/unexpected EOF|matching/);
    expect((await s.run("echo still here")).output).toBe("still here\n");
  });

  it("does not end a command at output that only looks like the end marker", async () => {
    const { s } = shell();
    const r = await s.run("printf '__DESKFLEET_END_0000_0__\\n'; sleep 0.2; echo after");
    expect(r.output).toBe("__DESKFLEET_END_0000_0__\nafter\n");
  });

  it("kills a `sleep 600` and everything in its process group within 2 s of a cancel", async () => {
    const { s } = shell();
    await s.run("true");
    const pid = s.pid!;
    const cancel = new AbortController();
    const running = s.run("sleep 600 & sleep 600; echo never", cancel.signal);
    await new Promise((r) => setTimeout(r, 300));
    expect(runningInGroup(pid).length).toBeGreaterThanOrEqual(3);
    const at = Date.now();
    cancel.abort();
    const r = await running;
    expect(r.ending).toBe("cancelled");
    expect(Date.now() - at).toBeLessThan(2_000);
    // The shell led its own process group: nothing of it is left.
    await new Promise((r) => setTimeout(r, 100));
    expect(runningInGroup(pid)).toEqual([]);
    expect((await s.run("echo fresh")).output).toBe("fresh\n");
  });

  it("caps a command printing 50 MB to its head and tail, counting every byte", async () => {
    const { s } = shell();
    const r = await s.run("head -c 52428800 /dev/zero | tr '\\0' 'x'; echo; echo THE-END");
    expect(r.ending).toBe("exited");
    expect(r.outputBytes).toBe(50 * 1024 * 1024 + 1 + 8);
    expect(r.output.length).toBeLessThan(20_000);
    expect(r.output.startsWith("xxxx")).toBe(true);
    expect(r.output).toContain("bytes of output elided");
    expect(r.output.endsWith("THE-END\n")).toBe(true);
  }, 60_000);

  it("kills a command that prints nothing for the inactivity timeout, but not one that keeps printing", async () => {
    const { s } = shell({ inactivityTimeoutMs: 400 });
    const busy = await s.run("for i in 1 2 3 4 5 6; do echo $i; sleep 0.2; done");
    expect(busy).toMatchObject({ ending: "exited", exitCode: 0 });
    expect(busy.durationMs).toBeGreaterThan(1_000);
    const idle = await s.run("sleep 5");
    expect(idle.ending).toBe("timed_out");
    expect(idle.durationMs).toBeLessThan(2_000);
  });

  it("starts a fresh shell on restart, forgetting the old one's state", async () => {
    const { s } = shell();
    await s.run("export X=1");
    const before = s.pid;
    s.restart();
    expect((await s.run('echo "[$X]"')).output).toBe("[]\n");
    expect(s.pid).not.toBe(before);
  });
});
