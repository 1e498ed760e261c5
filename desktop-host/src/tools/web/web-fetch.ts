import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import type { BetaTool } from "@anthropic-ai/sdk/resources/beta";
import { MAX_SUMMARY_CHARS, truncate } from "@deskfleet/protocol";
import type { HostTool, HostToolFactory, ToolAnswer, ToolCall } from "../host-tool.ts";
import { ToolInputError } from "../host-tool.ts";
import { capText } from "../shell/output-cap.ts";
import { refusedAddress } from "./address-policy.ts";
import { htmlToText } from "./html-text.ts";

// `web_fetch {url}`: a page fetched from the desktop's own network (so
// intranet pages work), as readable text. http and https only (never
// `file:`), link-local and metadata addresses refused at connection time,
// redirects followed and checked again, a time limit and a size limit.

export const WEB_FETCH_TOOL: BetaTool = {
  name: "web_fetch",
  description:
    "Fetch a web page from this computer's network (intranet pages work) and read it as text, without the screen. " +
    "http and https only. Faster than opening it in the browser when you only need to read it.",
  input_schema: {
    type: "object",
    properties: { url: { type: "string", description: "The http(s) URL to fetch." } },
    required: ["url"],
  },
};

export type WebFetchOptions = {
  /** Default 15 s for the whole fetch, redirects included. */
  timeoutMs?: number;
  /** Bytes read at most; the rest is not downloaded. Default 2 MiB. */
  maxBytes?: number;
  /** Characters of text the model gets. Default 20,000. */
  maxChars?: number;
  lookup?: typeof dnsLookup;
};

export type FetchedPage = { url: string; status: number; contentType: string; title: string; text: string; bytes: number; truncated: boolean };

export class WebFetchError extends Error {
  readonly status: number | null;
  constructor(message: string, status: number | null = null) {
    super(message);
    this.name = "WebFetchError";
    this.status = status;
  }
}

export function webFetchTool(options: WebFetchOptions = {}): HostToolFactory {
  return { grant: "web", names: ["web_fetch"], open: async () => new WebFetchTool(options) };
}

class WebFetchTool implements HostTool {
  readonly #o: WebFetchOptions;
  constructor(o: WebFetchOptions) {
    this.#o = o;
  }

  definitions() {
    return [WEB_FETCH_TOOL];
  }

  async run(_name: string, input: Record<string, unknown>, call: ToolCall): Promise<ToolAnswer> {
    const url = input["url"];
    if (typeof url !== "string" || url === "") throw new ToolInputError("`url` must be an http(s) URL.");
    const started = Date.now();
    try {
      const page = await fetchPage(url, this.#o, call.signal);
      call.ctx.emit("web_fetch", { step: call.step, url: truncate(page.url, 10_000), status: page.status, bytes: page.bytes, durationMs: Date.now() - started, ok: page.status < 400 });
      const head = `${page.url} — HTTP ${page.status}${page.title ? ` — ${page.title}` : ""}${page.truncated ? ` (only the first ${page.bytes} bytes were read)` : ""}`;
      return { content: `${head}\n\n${capText(page.text, this.#o.maxChars ?? 20_000) || "(no text)"}`, isError: page.status >= 400 };
    } catch (err) {
      if (call.signal.aborted) throw err;
      const message = err instanceof Error ? err.message : String(err);
      call.ctx.emit("web_fetch", { step: call.step, url: truncate(url, 10_000), status: err instanceof WebFetchError ? err.status : null, bytes: 0, durationMs: Date.now() - started, ok: false, error: truncate(message, MAX_SUMMARY_CHARS) });
      return { content: `Could not fetch ${url}: ${message}`, isError: true };
    }
  }
}

export async function fetchPage(raw: string, o: WebFetchOptions, signal: AbortSignal): Promise<FetchedPage> {
  const timeout = AbortSignal.timeout(o.timeoutMs ?? 15_000);
  const both = AbortSignal.any([signal, timeout]);
  let url = parseUrl(raw);
  for (let hops = 0; ; hops++) {
    const res = await get(url, o, both).catch((err: unknown) => {
      if (timeout.aborted) throw new WebFetchError(`no answer within ${Math.round((o.timeoutMs ?? 15_000) / 1000)} s`);
      throw err;
    });
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (status >= 300 && status < 400 && location) {
      res.resume();
      if (hops >= 5) throw new WebFetchError("more than 5 redirects", status);
      url = parseUrl(new URL(location, url).toString());
      continue;
    }
    const { bytes, truncated } = await readCapped(res, o.maxBytes ?? 2 * 1024 * 1024, both).catch((err: unknown) => {
      if (timeout.aborted) throw new WebFetchError(`the page did not finish within ${Math.round((o.timeoutMs ?? 15_000) / 1000)} s`, status);
      throw err;
    });
    const contentType = String(res.headers["content-type"] ?? "");
    const body = bytes.toString("utf8");
    if (/html|xml/i.test(contentType) || (!contentType && /^\s*</.test(body))) {
      const { title, text } = htmlToText(body);
      return { url: url.toString(), status, contentType, title, text, bytes: bytes.length, truncated };
    }
    if (/^(text\/|application\/(json|javascript|x-ndjson|csv))/i.test(contentType) || contentType === "") {
      return { url: url.toString(), status, contentType, title: "", text: body, bytes: bytes.length, truncated };
    }
    return { url: url.toString(), status, contentType, title: "", text: `(a ${contentType} document of ${bytes.length} bytes; not text)`, bytes: bytes.length, truncated };
  }
}

function parseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebFetchError(`${JSON.stringify(raw)} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new WebFetchError(`only http and https URLs are fetched, not ${url.protocol}`);
  if (url.username || url.password) throw new WebFetchError("URLs with credentials in them are not fetched");
  return url;
}

/** dns.lookup that refuses a name resolving to a refused address (checked for the address actually connected to). */
function checkedLookup(base: typeof dnsLookup): LookupFunction {
  return ((hostname: string, options: object, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    base(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, "", 4);
      const list = addresses as LookupAddress[];
      for (const a of list) {
        const why = refusedAddress(a.address);
        if (why) return callback(Object.assign(new WebFetchError(`${hostname} resolves to ${a.address}, ${why}; web_fetch does not reach it`), { code: "EREFUSED_ADDRESS" }), "", 4);
      }
      if ((options as { all?: boolean }).all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }), "", 4);
      callback(null, first.address, first.family);
    });
  }) as LookupFunction;
}

function get(url: URL, o: WebFetchOptions, signal: AbortSignal): Promise<IncomingMessage> {
  const literal = url.hostname.replace(/^\[|\]$/g, "");
  const why = /^[\d.]+$|:/.test(literal) ? refusedAddress(literal) : null;
  if (why) return Promise.reject(new WebFetchError(`${literal} is ${why}; web_fetch does not reach it`));
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: "GET",
      lookup: checkedLookup(o.lookup ?? dnsLookup),
      signal,
      headers: { "user-agent": "deskfleet-host web_fetch", accept: "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5" },
    }, resolve);
    req.on("error", (err) => reject(err instanceof WebFetchError ? err : (err as { cause?: unknown }).cause instanceof WebFetchError ? (err as { cause: WebFetchError }).cause : err));
    req.end();
  });
}

function readCapped(res: IncomingMessage, max: number, signal: AbortSignal): Promise<{ bytes: Buffer; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onAbort = () => {
      res.destroy();
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    res.on("data", (d: Buffer) => {
      const room = max - size;
      chunks.push(room >= d.length ? d : d.subarray(0, room));
      size += Math.min(room, d.length);
      if (size >= max) {
        signal.removeEventListener("abort", onAbort);
        res.destroy();
        resolve({ bytes: Buffer.concat(chunks), truncated: true });
      }
    });
    res.on("end", () => {
      signal.removeEventListener("abort", onAbort);
      resolve({ bytes: Buffer.concat(chunks), truncated: false });
    });
    res.on("error", (err) => {
      signal.removeEventListener("abort", onAbort);
      reject(err);
    });
  });
}
