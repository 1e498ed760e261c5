import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refusedAddress } from "./address-policy.ts";
import { fetchPage } from "./web-fetch.ts";

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/page") {
      res.setHeader("content-type", "text/html; charset=utf-8");
      res.end(`<html><head><title>Intranet &amp; co</title><style>p{color:red}</style><script>alert(1)</script></head>
        <body><h1>Quarterly report</h1><p>Revenue was <b>42</b>&nbsp;k&euro;.</p><ul><li>one</li><li>two</li></ul><a href="/next">Next page</a></body></html>`);
    } else if (req.url === "/redirect-to-metadata") {
      res.statusCode = 302;
      res.setHeader("location", "http://169.254.169.254/latest/meta-data/");
      res.end();
    } else if (req.url === "/big") {
      res.setHeader("content-type", "text/plain");
      res.end("a".repeat(100_000));
    } else if (req.url === "/slow") {
      setTimeout(() => res.end("late"), 3_000);
    } else {
      res.statusCode = 404;
      res.end("no");
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const signal = () => new AbortController().signal;

describe("web_fetch from the desktop's network", () => {
  it("reads an intranet page as text, without scripts and styles", async () => {
    const page = await fetchPage(`${base}/page`, {}, signal());
    expect(page).toMatchObject({ status: 200, title: "Intranet & co" });
    expect(page.text).toBe("Quarterly report\n\nRevenue was 42 k€.\n\n- one\n- two\nNext page (/next)");
  });

  it("refuses file: URLs, and link-local and metadata addresses even behind a redirect", async () => {
    await expect(fetchPage("file:///etc/passwd", {}, signal())).rejects.toThrow("only http and https URLs are fetched, not file:");
    await expect(fetchPage("http://169.254.169.254/latest/meta-data/", {}, signal())).rejects.toThrow(/link-local/);
    await expect(fetchPage("http://[fe80::1]/", {}, signal())).rejects.toThrow(/link-local/);
    await expect(fetchPage(`${base}/redirect-to-metadata`, {}, signal())).rejects.toThrow(/169\.254\.169\.254 is a link-local/);
  });

  it("refuses a name that resolves to a metadata address, at connection time", async () => {
    const lookup = ((_h: string, _o: unknown, cb: (e: null, a: { address: string; family: number }[]) => void) => cb(null, [{ address: "169.254.169.254", family: 4 }])) as never;
    await expect(fetchPage("http://metadata.internal/", { lookup }, signal())).rejects.toThrow("metadata.internal resolves to 169.254.169.254, a link-local address");
  });

  it("stops reading at the size limit and gives up at the time limit", async () => {
    const big = await fetchPage(`${base}/big`, { maxBytes: 1_000 }, signal());
    expect(big).toMatchObject({ bytes: 1_000, truncated: true });
    const at = Date.now();
    await expect(fetchPage(`${base}/slow`, { timeoutMs: 300 }, signal())).rejects.toThrow("no answer within 0 s");
    expect(Date.now() - at).toBeLessThan(1_500);
  });

  it("classifies addresses: private and loopback reachable, link-local, metadata and unspecified not", () => {
    expect(["10.0.0.5", "192.168.1.1", "127.0.0.1", "::1", "fd12::1"].map(refusedAddress)).toEqual([null, null, null, null, null]);
    expect(["169.254.169.254", "100.100.100.200", "0.0.0.0", "::", "fe80::abcd", "::ffff:169.254.169.254", "fd00:ec2::254"].every((a) => refusedAddress(a) !== null)).toBe(true);
  });
});
