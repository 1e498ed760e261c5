import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";

function capture(options: Parameters<typeof createLogger>[0] = {}) {
  const lines: string[] = [];
  const log = createLogger({ now: () => Date.UTC(2026, 0, 2, 3, 4, 5, 678), ...options, write: (l) => lines.push(l) });
  return { log, lines };
}

describe("host logs", () => {
  it("never print the configured host token, VNC password or API key, wherever they appear", () => {
    const { log, lines } = capture({ secrets: ["dfh_abcdefghijklmnop", "hunter2-vnc", "sk-ant-api03-SECRET"] });
    log.info("connecting with dfh_abcdefghijklmnop", { note: "password hunter2-vnc", nested: { deep: ["sk-ant-api03-SECRET"] } });
    log.error("failed", { error: new Error("VNC auth with hunter2-vnc failed") });
    const all = lines.join("\n");
    expect(all).not.toContain("dfh_abcdefghijklmnop");
    expect(all).not.toContain("hunter2-vnc");
    expect(all).not.toContain("sk-ant-api03-SECRET");
    expect(all).toContain("[redacted]");
    expect(all).toContain("connecting with [redacted]");
  });

  it("redact secret-shaped strings and secret-named fields even when nobody registered them", () => {
    const { log, lines } = capture({ json: true });
    log.warn("header Authorization: Bearer abc.def.ghi sent; other token dfh_zzzzzzzz", {
      token: "plain-value",
      vncPassword: "pw",
      apiKey: "k",
      url: "vnc://user:s3cret@10.0.0.5:5900",
      desktop: "mac-studio",
    });
    const entry = JSON.parse(lines[0]!);
    expect(entry.msg).toBe("header Authorization: Bearer [redacted] sent; other token [redacted]");
    expect(entry.token).toBe("[redacted]");
    expect(entry.vncPassword).toBe("[redacted]");
    expect(entry.apiKey).toBe("[redacted]");
    expect(entry.url).toBe("vnc://user:[redacted]@10.0.0.5:5900");
    expect(entry.desktop).toBe("mac-studio");
  });

  it("write machine logs as one JSON object a line with epoch-ms time and readable logs as text", () => {
    const json = capture({ json: true });
    json.log.child({ taskId: "tsk_0123456789" }).info("task started", { step: 1 });
    expect(JSON.parse(json.lines[0]!)).toEqual({ at: Date.UTC(2026, 0, 2, 3, 4, 5, 678), level: "info", msg: "task started", taskId: "tsk_0123456789", step: 1 });
    const text = capture();
    text.log.warn("reconnecting", { inMs: 420, reason: "socket closed" });
    expect(text.lines[0]).toBe('03:04:05.678 WARN  reconnecting inMs=420 reason="socket closed"');
  });

  it("drop lines below the configured level", () => {
    const { log, lines } = capture({ level: "warn" });
    log.debug("noise");
    log.info("noise");
    log.warn("kept");
    expect(lines).toHaveLength(1);
  });
});
