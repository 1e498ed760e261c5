import type { BetaTool } from "@anthropic-ai/sdk/resources/beta";
import type { Browser, Locator, Page } from "playwright-core";
import { truncate } from "@deskfleet/protocol";
import type { HostTool, HostToolFactory, ToolAnswer, ToolCall } from "../host-tool.ts";
import { ToolInputError } from "../host-tool.ts";
import { capText } from "../shell/output-cap.ts";

// The desktop's own Chromium driven over its remote debugging port
// (`--cdp`), with playwright-core's connectOverCDP: list tabs, navigate, read
// a page as text or as an accessibility snapshot, click or fill by role and
// name or by selector, wait for a navigation. It acts on the same browser the
// screen shows; the loop's screenshots stay the ground truth, and every answer
// says which tab it came from.

/**
 * playwright-core, loaded on the browser tool's first use: the installed host
 * (one bundled file) leaves it out, since it reads its own package files at
 * run time; a host started from the repository has it as a dependency.
 */
async function chromiumOverCdp(): Promise<typeof import("playwright-core").chromium> {
  try {
    return (await import("playwright-core")).chromium;
  } catch (err) {
    throw new ToolInputError(
      `the browser tool needs playwright-core beside deskfleet-host (${(err instanceof Error ? err.message : String(err)).split("\n")[0]}); ` +
        "on an installed host run `npm install --prefix ~/.deskfleet playwright-core` and restart it; use the screen meanwhile",
    );
  }
}

const ACTIONS = ["list_tabs", "navigate", "read_text", "snapshot", "click", "fill", "wait_for_navigation"] as const;
type Action = (typeof ACTIONS)[number];

export const BROWSER_TOOL: BetaTool = {
  name: "browser",
  description:
    "Drive the Chromium browser on this computer's screen directly (the same windows you see in screenshots): " +
    "list its tabs, open a URL, read a page as text or as an accessibility snapshot, click or fill an element found by its ARIA role and name " +
    "(or a CSS selector), and wait for a navigation. Each answer names the tab it acted on. Faster and more exact than clicking on screenshots " +
    "for pages; keep using screenshots to check what a person would see.",
  input_schema: {
    type: "object",
    properties: {
      action: { type: "string", enum: [...ACTIONS], description: "What to do." },
      tab: { type: "integer", description: "The tab's index from list_tabs; default: the tab used last, or the first one." },
      url: { type: "string", description: "navigate: the URL to open. wait_for_navigation: a URL (or glob) to wait for, optional." },
      role: { type: "string", description: "click/fill: the element's ARIA role (button, link, textbox, checkbox, …)." },
      name: { type: "string", description: "click/fill: the element's accessible name (its label or text)." },
      selector: { type: "string", description: "click/fill: a CSS selector, instead of role and name." },
      value: { type: "string", description: "fill: the text to put in the field." },
      timeout_ms: { type: "integer", description: "How long to wait, in ms (default 10000, at most 60000)." },
    },
    required: ["action"],
  },
};

export type BrowserOptions = { cdpUrl: string };

export function browserTool(options: BrowserOptions): HostToolFactory {
  return { grant: "browser", names: ["browser"], open: async () => new BrowserTool(options.cdpUrl) };
}

class BrowserTool implements HostTool {
  readonly #cdpUrl: string;
  #browser: Browser | null = null;
  #current: Page | null = null;

  constructor(cdpUrl: string) {
    this.#cdpUrl = cdpUrl;
  }

  definitions() {
    return [BROWSER_TOOL];
  }

  async run(_name: string, input: Record<string, unknown>, call: ToolCall): Promise<ToolAnswer> {
    const action = input["action"] as Action;
    if (!ACTIONS.includes(action)) throw new ToolInputError(`\`action\` must be one of ${ACTIONS.join(", ")}.`);
    const timeout = Math.min(60_000, Math.max(100, typeof input["timeout_ms"] === "number" ? input["timeout_ms"] : 10_000));
    const pages = await this.#pages();
    if (action === "list_tabs") {
      const lines = await Promise.all(pages.map(async (p, i) => `${i}: ${await title(p)} — ${p.url()}${p === this.#current ? " (current)" : ""}`));
      const text = lines.join("\n") || "(no tabs)";
      call.ctx.emit("browser", { step: call.step, op: action, tab: null, ok: true, bytes: Buffer.byteLength(text) });
      return { content: text };
    }
    const page = await this.#pick(pages, input["tab"]);
    const index = pages.indexOf(page);
    let target: string | undefined;
    let text: string;
    let ok = true;
    try {
      switch (action) {
        case "navigate": {
          target = str(input, "url");
          const res = await page.goto(target, { waitUntil: "load", timeout });
          text = `Opened ${page.url()}${res ? ` (HTTP ${res.status()})` : ""}.`;
          break;
        }
        case "read_text":
          text = capText((await page.locator("body").innerText({ timeout })).replace(/\n{3,}/g, "\n\n").trim(), 20_000) || "(the page has no text)";
          break;
        case "snapshot":
          text = capText(await page.locator("body").ariaSnapshot({ timeout }), 20_000);
          break;
        case "click": {
          const { locator, what } = locate(page, input);
          target = what;
          await locator.click({ timeout });
          await page.waitForLoadState("domcontentloaded", { timeout }).catch(() => undefined);
          text = `Clicked ${what}.`;
          break;
        }
        case "fill": {
          const { locator, what } = locate(page, input);
          target = what;
          await locator.fill(str(input, "value"), { timeout });
          text = `Filled ${what}.`;
          break;
        }
        case "wait_for_navigation": {
          const url = input["url"];
          target = typeof url === "string" ? url : undefined;
          if (target) await page.waitForURL(target, { timeout, waitUntil: "load" });
          else await page.waitForNavigation({ timeout, waitUntil: "load" });
          text = `The tab is now at ${page.url()}.`;
          break;
        }
      }
    } catch (err) {
      if (err instanceof ToolInputError) throw err;
      ok = false;
      text = `${action} failed: ${(err instanceof Error ? err.message : String(err)).split("\n")[0]}`;
    }
    const tab = { index, url: truncate(page.url(), 10_000), title: truncate(await title(page), 500) };
    call.ctx.emit("browser", { step: call.step, op: action, tab, ...(target ? { target: truncate(target, 10_000) } : {}), ok, bytes: Buffer.byteLength(text) });
    return { content: `[tab ${index}: ${tab.title || "(untitled)"} — ${tab.url}]\n${text}`, isError: !ok };
  }

  async #pages(): Promise<Page[]> {
    if (!this.#browser?.isConnected()) {
      try {
        this.#browser = await (await chromiumOverCdp()).connectOverCDP(this.#cdpUrl, { timeout: 10_000 });
      } catch (err) {
        if (err instanceof ToolInputError) throw err;
        throw new ToolInputError(`the browser at ${this.#cdpUrl} is not reachable over CDP (${(err instanceof Error ? err.message : String(err)).split("\n")[0]}); use the screen instead`);
      }
    }
    return this.#browser.contexts().flatMap((c) => c.pages());
  }

  async #pick(pages: Page[], tab: unknown): Promise<Page> {
    if (tab !== undefined) {
      if (typeof tab !== "number" || !Number.isInteger(tab) || !pages[tab]) throw new ToolInputError(`tab ${JSON.stringify(tab)} does not exist; list_tabs shows ${pages.length} tab(s).`);
      this.#current = pages[tab];
    } else if (!this.#current || !pages.includes(this.#current)) {
      this.#current = pages[0] ?? null;
    }
    if (!this.#current) throw new ToolInputError("the browser has no open tab.");
    return this.#current;
  }

  async close(): Promise<void> {
    // For a browser connected over CDP, close() only disconnects: the desktop's browser and its tabs stay.
    const b = this.#browser;
    this.#browser = null;
    await b?.close().catch(() => undefined);
  }
}

function locate(page: Page, input: Record<string, unknown>): { locator: Locator; what: string } {
  const selector = input["selector"];
  if (typeof selector === "string" && selector !== "") return { locator: page.locator(selector).first(), what: `\`${selector}\`` };
  const role = input["role"];
  const name = input["name"];
  if (typeof role !== "string" || role === "") throw new ToolInputError("give `role` (and usually `name`), or a `selector`.");
  const locator = page.getByRole(role as Parameters<Page["getByRole"]>[0], typeof name === "string" ? { name } : {}).first();
  return { locator, what: `${role}${typeof name === "string" ? ` "${name}"` : ""}` };
}

function str(input: Record<string, unknown>, field: string): string {
  const v = input[field];
  if (typeof v !== "string" || v === "") throw new ToolInputError(`\`${field}\` must be a non-empty string.`);
  return v;
}

async function title(page: Page): Promise<string> {
  return page.title().catch(() => "");
}
