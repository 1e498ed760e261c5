import { createServer } from "node:http";

/**
 * Serves one HTML page on 127.0.0.1 and hands every POST (path and body) to
 * `onReport`: how test pages on a real desktop tell the test what they saw.
 */
export async function servePage(html: string, onReport: (path: string, body: string) => void): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.method === "POST") {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        onReport(req.url ?? "/", body);
        res.end("ok");
      });
      return;
    }
    res.setHeader("content-type", "text/html; charset=utf-8");
    res.end(html);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((r) => server.close(() => r())) };
}
