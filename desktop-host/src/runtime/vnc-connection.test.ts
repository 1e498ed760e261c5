import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";
import { VncConnection } from "./vnc-connection.ts";

describe("the host's VNC connection when the server cannot be reached", () => {
  it("tells the agent what failed without the server's address, and keeps the address in the host's log", async () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l) });
    const refused = new Error("Could not connect to the VNC server at 10.20.30.40:5901 (connect ECONNREFUSED 10.20.30.40:5901); check that it is running and listening there.");
    const vnc = new VncConnection({ host: "10.20.30.40", port: 5901 }, log, { connect: async () => Promise.reject(refused) });
    await vnc.start();
    let message = "";
    try {
      void vnc.framebuffer;
    } catch (err) {
      message = (err as Error).message;
    }
    await vnc.close();
    // This text becomes a tool result the model reads.
    expect(message).toMatch(/^the desktop's VNC server is not connected: /);
    expect(message).toContain("ECONNREFUSED");
    expect(message).not.toContain("10.20.30.40");
    expect(message).not.toContain("5901");
    expect(lines.join("\n")).toContain("10.20.30.40:5901");
  });
});
