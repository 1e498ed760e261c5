import { servePage } from "../../test-support/page-server.ts";

/**
 * The local web app on the test desktop: a form whose every input event is
 * reported back to the test over HTTP, so a test can assert exactly what the
 * agent did to the page (not just what it claims).
 */
export type AppEvent = { type: string; target: string; x?: number; y?: number; value?: string; key?: string; at: number };

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Deskfleet test app</title><style>
html,body{margin:0;height:100%;font:22px sans-serif;background:#f4f1ea;color:#222}
h1{position:absolute;left:40px;top:20px;margin:0;font-size:30px}
#name{position:absolute;left:40px;top:100px;width:500px;height:44px;font-size:22px}
#submit{position:absolute;left:40px;top:180px;width:200px;height:60px;font-size:22px;background:#2a6;color:#fff;border:0}
#status{position:absolute;left:40px;top:280px;font-size:26px}
#swatch{position:absolute;right:0;bottom:0;width:300px;height:200px;background:#3366cc}
</style></head><body>
<h1>Registration</h1>
<input id="name" placeholder="Full name" autocomplete="off">
<button id="submit">Submit</button>
<div id="status">Not submitted</div>
<div id="swatch"></div>
<script>
const report = (e) => fetch("/event", { method: "POST", body: JSON.stringify({ ...e, at: Date.now() }) });
for (const type of ["mousedown", "click"]) document.addEventListener(type, (ev) => report({ type, target: ev.target.id || ev.target.tagName, x: ev.clientX, y: ev.clientY }));
document.addEventListener("keydown", (ev) => report({ type: "keydown", target: ev.target.id || ev.target.tagName, key: ev.key }));
document.getElementById("name").addEventListener("input", (ev) => report({ type: "input", target: "name", value: ev.target.value }));
document.getElementById("submit").addEventListener("click", () => {
  const v = document.getElementById("name").value;
  document.getElementById("status").textContent = "Submitted: " + v;
  report({ type: "submitted", target: "submit", value: v });
});
report({ type: "ready", target: "page" });
</script></body></html>`;

export type TestApp = { url: string; events: AppEvent[]; waitFor(pred: (e: AppEvent) => boolean, timeoutMs?: number): Promise<AppEvent>; close(): Promise<void> };

/** Serves a page that reports its events to `POST /event`, and waits for them (`what` names it in a timeout). */
export async function serveReportingPage(html: string, what: string): Promise<TestApp> {
  const events: AppEvent[] = [];
  const page = await servePage(html, (path, body) => {
    if (path !== "/event") return;
    try {
      events.push(JSON.parse(body) as AppEvent);
    } catch {
      // a malformed report is a bug in the page, not the agent
    }
  });
  return {
    url: page.url,
    events,
    waitFor: async (pred, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = events.find(pred);
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`${what} never saw the expected event; its last events: ${JSON.stringify(events.slice(-40).map((e) => `${e.type}:${e.target}`))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: page.close,
  };
}

export const startTestApp = (): Promise<TestApp> => serveReportingPage(PAGE, "the test app");
