import { createServer, request } from "node:http";

/**
 * A proxy in front of the control plane that changes one byte of every host
 * bundle (`*.mjs`) it passes on: what a broken cache or a hostile middlebox
 * does. Everything else passes unchanged, and the Host header is kept, so the
 * installer it serves names the proxy and downloads through it.
 */
export async function startTamperingProxy(upstream: string): Promise<{ url: string; tampered: () => number; close(): Promise<void> }> {
  const target = new URL(upstream);
  let tampered = 0;
  const server = createServer((req, res) => {
    // Uncompressed from upstream, so the changed byte is a byte of the bundle (a changed gzip byte would break the stream instead).
    const { "accept-encoding": _encoding, ...headers } = req.headers;
    const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (upRes) => {
      const chunks: Buffer[] = [];
      upRes.on("data", (c: Buffer) => chunks.push(c));
      upRes.on("end", () => {
        const body = Buffer.concat(chunks);
        if (/\.mjs$/.test(new URL(req.url ?? "/", "http://x").pathname) && body.length > 100) {
          const i = Math.floor(body.length / 2);
          body[i] = body[i]! ^ 0x20;
          tampered++;
        }
        const out = { ...upRes.headers, "content-length": String(body.length) };
        delete out["transfer-encoding"];
        res.writeHead(upRes.statusCode ?? 502, out);
        res.end(body);
      });
    });
    up.on("error", (err) => {
      res.writeHead(502).end(String(err));
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return { url: `http://127.0.0.1:${port}`, tampered: () => tampered, close: () => new Promise<void>((r) => server.close(() => r())) };
}
