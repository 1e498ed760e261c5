/**
 * The relay benchmark's desktop host, in its own process as on a real
 * desktop: the host runtime with live-desktop tunnels. Prints one JSON line
 * per closed tunnel (frames and bytes it sent into the DesktopDO).
 * Env: SERVER, DESKTOP, TOKEN, VNC_PORT, VNC_PASSWORD. Each line on stdin is
 * a new origin for the tunnels it dials from then on (the control socket stays
 * on SERVER): the benchmark points them past wrangler dev's proxy that way.
 */
import { createInterface } from "node:readline";
import { HostRuntime, createLogger, liveDesktop, type LiveDesktop } from "deskfleet-host/runtime";

const env = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};
const server = env("SERVER");
const token = env("TOKEN");
const live = (tunnelServer: string): LiveDesktop =>
  liveDesktop({
    server: tunnelServer,
    token,
    vnc: { host: "127.0.0.1", port: Number(env("VNC_PORT")), password: env("VNC_PASSWORD") },
    log: (message, fields) => {
      if (message === "viewer tunnel closed") console.log(JSON.stringify({ tunnel: fields }));
    },
  });
let current = live(server);
createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim()) current = live(line.trim());
});
const host = new HostRuntime({
  server,
  desktopId: env("DESKTOP"),
  token,
  runner: { run: async () => ({ status: "completed", result: "" }) },
  capabilities: async () => ({ screen: null, os: "linux", hostVersion: "bench", vnc: { reachable: true }, tools: [] }),
  logger: createLogger({ level: "error", write: () => undefined }),
  live: { openTunnel: (m) => current.openTunnel(m), desktopRequest: (r) => current.desktopRequest(r) },
});
host.start();
process.on("SIGTERM", () => void host.stop("bench over").then(() => process.exit(0)));
