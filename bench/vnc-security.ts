/**
 * `npm run bench -- vnc-security`: what VeNCrypt's TLS costs the host against
 * plain VNC Authentication, on one TigerVNC Xvnc offering X509Vnc, TLSVnc and
 * VncAuth: handshake time, and full-speed screen updates of a busy screen
 * (noise repainted as fast as X takes it) with the client's and Xvnc's CPU.
 * Also how long answering an Apple Remote Desktop challenge takes.
 */
import { spawn } from "node:child_process";
import { createDiffieHellman, getDiffieHellman } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ardResponse } from "@deskfleet/rfb/apple-remote-desktop";
import { connectTcp } from "@deskfleet/rfb/node-socket";
import { RfbClient } from "@deskfleet/rfb/rfb-client";
import type { VncSecurityMethod } from "@deskfleet/rfb/security-types";
import { makeThrowawayCa } from "@deskfleet/rfb/testing/throwaway-ca";
import { missingXTools, startXDesktop } from "@deskfleet/rfb/testing/x-desktop";
import { cpuSeconds, processes } from "./lib/process-cpu.ts";
import { machineLine, median, round, writeSection } from "./lib/results.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const WIDTH = 1280;
const HEIGHT = 800;
const PASSWORD = "benchpw1";
const METHODS: VncSecurityMethod[] = ["VncAuth", "TLSVnc", "X509Vnc"];
const HANDSHAKES = 15;
const ROUNDS = 5;
const SAMPLE_MS = 6_000;

export async function run(): Promise<unknown> {
  const missing = missingXTools({ servers: ["Xvnc"] });
  if (missing.length) throw new Error(`needs ${missing.join(", ")}`);
  const ca = makeThrowawayCa();
  const desktop = await startXDesktop({
    width: WIDTH, height: HEIGHT, password: PASSWORD, server: "Xvnc",
    xvncSecurity: { types: ["X509Vnc", "TLSVnc", "VncAuth"], x509: { certFile: ca.certFile, keyFile: ca.keyFile } },
  });
  const xvnc = processes().find((p) => p.args.startsWith("Xvnc") && p.args.includes(`-rfbport ${desktop.port}`))!.pid;
  const open = (method: VncSecurityMethod) =>
    connectTcp("127.0.0.1", desktop.port, { tls: { ca: ca.caPem } }).then((socket) => RfbClient.connect(socket, { password: PASSWORD, security: [method] }));

  const handshakes: Record<string, number[]> = Object.fromEntries(METHODS.map((m) => [m, []]));
  const busy: Record<string, { updatesPerSecond: number[]; megapixelsPerSecond: number[]; clientCpu: number[]; xvncCpu: number[] }> = Object.fromEntries(
    METHODS.map((m) => [m, { updatesPerSecond: [], megapixelsPerSecond: [], clientCpu: [], xvncCpu: [] }]),
  );
  try {
    for (let i = 0; i < HANDSHAKES; i++) {
      for (const method of METHODS) {
        const t0 = performance.now();
        const client = await open(method);
        handshakes[method]!.push(performance.now() - t0);
        await client.close();
      }
    }

    const painter = spawn(process.execPath, [join(HERE, "lib", "noise-painter.ts"), String(desktop.display), String(WIDTH), String(HEIGHT)], { stdio: "ignore" });
    try {
      await new Promise((r) => setTimeout(r, 1_000));
      for (let round = 0; round < ROUNDS; round++) {
        for (const method of METHODS) {
          const client = await open(method);
          await client.waitForUpdate({ timeoutMs: 5_000 });
          let updates = 0;
          let pixels = 0;
          client.on("update", ({ rects }) => {
            updates++;
            for (const r of rects) pixels += r.width * r.height;
          });
          const cpu0 = process.cpuUsage();
          const x0 = cpuSeconds({ xvnc: [xvnc] }).xvnc!;
          await new Promise((r) => setTimeout(r, SAMPLE_MS));
          const cpu = process.cpuUsage(cpu0);
          const x1 = cpuSeconds({ xvnc: [xvnc] }).xvnc!;
          await client.close();
          const seconds = SAMPLE_MS / 1000;
          busy[method]!.updatesPerSecond.push(updates / seconds);
          busy[method]!.megapixelsPerSecond.push(pixels / 1e6 / seconds);
          busy[method]!.clientCpu.push((cpu.user + cpu.system) / 1e6 / seconds);
          busy[method]!.xvncCpu.push((x1 - x0) / seconds);
        }
      }
    } finally {
      painter.kill("SIGKILL");
    }
  } finally {
    await desktop.stop();
    ca.remove();
  }

  const ard = await ardTimings();
  const rows = METHODS.map((m) => ({
    method: m,
    handshakeMs: round(median(handshakes[m]!), 1),
    updatesPerSecond: round(median(busy[m]!.updatesPerSecond), 1),
    megapixelsPerSecond: round(median(busy[m]!.megapixelsPerSecond), 1),
    clientCpu: Math.round(median(busy[m]!.clientCpu) * 100),
    xvncCpu: Math.round(median(busy[m]!.xvncCpu) * 100),
    // CPU per megapixel delivered: the screen rate is set by the painter, so this is what TLS changes.
    clientCpuPerMpx: round(median(busy[m]!.clientCpu.map((c, i) => (c * 100) / busy[m]!.megapixelsPerSecond[i]!)), 2),
    xvncCpuPerMpx: round(median(busy[m]!.xvncCpu.map((c, i) => (c * 100) / busy[m]!.megapixelsPerSecond[i]!)), 2),
  }));
  const plain = rows[0]!;
  writeSection(
    "vnc-security: what VeNCrypt's TLS costs",
    `${machineLine()} TigerVNC Xvnc ${WIDTH}×${HEIGHT} offering X509Vnc, TLSVnc and VncAuth (certificate from a throwaway CA), our RfbClient on the same machine choosing each in turn; ${HANDSHAKES} handshakes each; then ${ROUNDS} rounds of ${SAMPLE_MS / 1000} s per method with the whole screen repainted with noise as fast as X takes it (ZRLE, one update request outstanding, as the host runs).

| method | handshake (ms, median) | updates/s | Mpx/s | client CPU | Xvnc CPU | client CPU per Mpx/s | Xvnc CPU per Mpx/s |
|---|---|---|---|---|---|---|---|
${rows.map((r) => `| ${r.method} | ${r.handshakeMs} | ${r.updatesPerSecond} | ${r.megapixelsPerSecond} | ${r.clientCpu}% | ${r.xvncCpu}% | ${r.clientCpuPerMpx}% | ${r.xvncCpuPerMpx}% |`).join("\n")}

The screen rate is set by the noise painter, which X and Xvnc share 2 cores with, so it varies between samples for every method alike; what TLS changes is the CPU per megapixel delivered. TLS ÷ VNC Authentication, client CPU per Mpx: TLSVnc **${round(rows[1]!.clientCpuPerMpx / plain.clientCpuPerMpx)}**, X509Vnc **${round(rows[2]!.clientCpuPerMpx / plain.clientCpuPerMpx)}**; Xvnc CPU per Mpx: TLSVnc **${round(rows[1]!.xvncCpuPerMpx / plain.xvncCpuPerMpx)}**, X509Vnc **${round(rows[2]!.xvncCpuPerMpx / plain.xvncCpuPerMpx)}**. The handshake adds the TLS exchange (and for X509 the certificate check): ${round(rows[1]!.handshakeMs - plain.handshakeMs, 1)} ms (TLSVnc) and ${round(rows[2]!.handshakeMs - plain.handshakeMs, 1)} ms (X509Vnc) here, once per session.

Apple Remote Desktop: answering the server's challenge (BigInt Diffie-Hellman, MD5, AES-128-ECB through WebCrypto) takes ${ard.group2} ms (median of 20) with the 1024-bit group the recorded session uses, ${ard.group14} ms with a 2048-bit group.`,
  );
  return { rows, ard };
}

async function ardTimings(): Promise<{ group2: number; group14: number }> {
  const time = async (name: "modp2" | "modp14") => {
    const group = getDiffieHellman(name);
    const server = createDiffieHellman(group.getPrime(), group.getGenerator());
    server.generateKeys();
    const challenge = { generator: 2n, keyLength: group.getPrime().length, prime: group.getPrime(), serverPublicKey: server.getPublicKey() };
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      await ardResponse(challenge, { username: "ada", password: "pw" });
      times.push(performance.now() - t0);
    }
    return round(median(times), 1);
  };
  return { group2: await time("modp2"), group14: await time("modp14") };
}
