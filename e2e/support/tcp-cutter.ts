import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy on 127.0.0.1 between a host and the control plane that can cut
 * every connection through it at once: the host's link drops the way a flaky
 * network or a restarted load balancer drops it (a reset on the host's side),
 * while the Worker and the host themselves stay untouched.
 */
export type TcpCutter = {
  /** `http://127.0.0.1:<port>`: give this to the host as its server. */
  url: string;
  /** Resets every open connection; returns how many there were. */
  cut(): number;
  /** Open connections whose first request line matched `pathPrefix`, with when each opened. */
  open(pathPrefix?: string): { path: string; openedAt: number }[];
  /** Connections cut so far. */
  readonly cuts: number;
  close(): Promise<void>;
};

type Link = { client: Socket; upstream: Socket; path: string; openedAt: number };

export async function startTcpCutter(target: { host?: string; port: number }): Promise<TcpCutter> {
  const links = new Set<Link>();
  let cuts = 0;
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host ?? "127.0.0.1");
    const link: Link = { client, upstream, path: "", openedAt: Date.now() };
    links.add(link);
    // The request line says what the connection is for (the control socket, an upload).
    client.once("data", (first: Buffer) => {
      link.path = /^[A-Z]+ (\S+)/.exec(first.toString("latin1"))?.[1] ?? "";
    });
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end);
    upstream.on("error", end);
    client.on("close", end);
    upstream.on("close", end);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    cut: () => {
      const n = links.size;
      for (const l of [...links]) {
        links.delete(l);
        l.client.resetAndDestroy();
        l.upstream.destroy();
      }
      cuts += n;
      return n;
    },
    open: (pathPrefix = "") => [...links].filter((l) => l.path.startsWith(pathPrefix)).map((l) => ({ path: l.path, openedAt: l.openedAt })),
    get cuts() {
      return cuts;
    },
    close: async () => {
      for (const l of links) {
        l.client.destroy();
        l.upstream.destroy();
      }
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
