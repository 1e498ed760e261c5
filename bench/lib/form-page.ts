import { createServer } from "node:http";
import { text, toolsetCall, type ScriptStep } from "../../test-support/scripted-anthropic/index.ts";

/**
 * The replay benchmark's and e2e test's page: a two-page weekly form filled in
 * 20 steps (4 fields and Next, then 5 fields and Submit), served on 127.0.0.1.
 * The harness can change it as a site would (the Next button moved 80 px, a
 * field's label renamed) and start each run on a fresh form: the page polls
 * for a generation number and reloads when it changes. Every input event and
 * the submission are reported back, so a test sees what really happened.
 */

export type FormVariant = { moved: boolean; renamed: boolean };
export type FormEvent = { type: string; target?: string; gen?: number; values?: Record<string, string>; x?: number; y?: number; at: number };

const PAGE1 = ["Employee", "Week", "Project", "Hours"];
const PAGE2 = ["Manager", "Location", "Cost centre", "Approver", "Notes"];
const RENAMED = { page: 2, index: 2, label: "Department code" };
const VALUES = ["Ada Lovelace", "49", "Analytical Engine", "38", "Charles Babbage", "London", "CC-1843", "Mary Somerville", "On schedule"];

/** Where the fields' inputs are clicked (left part, so the crop around the click takes in the label above). */
const fieldAt = (i: number): [number, number] => [120, 133 + i * 110];
export const NEXT_AT: [number, number] = [130, 582];
export const SUBMIT_AT: [number, number] = [130, 682];
export const MOVED_PX = 80;
/** The step (1-based) whose target is the moved Next button, and the one whose label is renamed. */
export const MOVED_STEP = 9;
export const RENAMED_STEP = 14;

/** The 20 steps as the model does them on the unchanged page. */
export function formActions(variant: FormVariant = { moved: false, renamed: false }): [string, Record<string, unknown>][] {
  const out: [string, Record<string, unknown>][] = [];
  PAGE1.forEach((_, i) => out.push(["left_click", { coordinate: fieldAt(i) }], ["type", { text: VALUES[i]! }]));
  out.push(["left_click", { coordinate: variant.moved ? [NEXT_AT[0] + MOVED_PX, NEXT_AT[1]] : NEXT_AT }]);
  PAGE2.forEach((_, i) => out.push(["left_click", { coordinate: fieldAt(i) }], ["type", { text: VALUES[PAGE1.length + i]! }]));
  out.push(["left_click", { coordinate: SUBMIT_AT }]);
  return out;
}
export const FORM_RESULT = "Filed the weekly form for Ada Lovelace.";
export const FORM_PROMPT = "File this week's form: fill in every field from the sheet and submit it.";

/** The scripted model's part: steps `from`..20 (1-based) of the form, then the answer. */
export function formScript(from = 1, variant: FormVariant = { moved: false, renamed: false }): ScriptStep[] {
  return [...formActions(variant).slice(from - 1).map(([name, input]) => toolsetCall(name, input)), text(FORM_RESULT)];
}

export function expectedValues(): Record<string, string> {
  const out: Record<string, string> = {};
  [...PAGE1, ...PAGE2].forEach((label, i) => (out[`f${i}`] = VALUES[i]!));
  return out;
}

function html(variant: FormVariant, gen: number): string {
  const field = (page: number, label: string, i: number, n: number) => {
    const shown = variant.renamed && page === RENAMED.page && i === RENAMED.index ? RENAMED.label : label;
    return `<label style="top:${90 + i * 110}px">${shown}</label><input id="f${n}" style="top:${115 + i * 110}px" autocomplete="off" spellcheck="false">`;
  };
  return `<!doctype html><html><head><meta charset="utf-8"><title>Weekly form</title><style>
html,body{margin:0;height:100%;font:18px sans-serif;background:#fff;color:#222;overflow:hidden}
h1{position:absolute;left:60px;top:20px;margin:0;font-size:24px}
label{position:absolute;left:60px;font-size:18px}
input{position:absolute;left:60px;width:400px;height:36px;font-size:18px;box-sizing:border-box;border:1px solid #888;padding:0 8px;outline:none;caret-color:#000}
button{position:absolute;width:140px;height:44px;font-size:18px;border:0;background:#2a6;color:#fff}
.page{display:none}.page.on{display:block}
#done{display:none;position:absolute;left:60px;top:120px;font-size:24px}
</style></head><body>
<div class="page on" id="p1"><h1>Weekly form — page 1 of 2</h1>${PAGE1.map((l, i) => field(1, l, i, i)).join("")}
<button id="next" style="left:${60 + (variant.moved ? MOVED_PX : 0)}px;top:560px">Next</button></div>
<div class="page" id="p2"><h1>Weekly form — page 2 of 2</h1>${PAGE2.map((l, i) => field(2, l, i, PAGE1.length + i)).join("")}
<button id="submit" style="left:60px;top:660px">Submit</button></div>
<div id="done">Submitted. Thank you.</div>
<script>
const gen = ${gen};
const report = (e) => fetch("/event", { method: "POST", body: JSON.stringify({ ...e, gen, at: Date.now() }) });
document.addEventListener("mousedown", (ev) => report({ type: "mousedown", target: ev.target.id || ev.target.tagName, x: ev.clientX, y: ev.clientY }));
document.getElementById("next").addEventListener("click", () => { p1.classList.remove("on"); p2.classList.add("on"); report({ type: "next" }); });
document.getElementById("submit").addEventListener("click", () => {
  const values = {};
  for (const i of document.querySelectorAll("input")) values[i.id] = i.value;
  p2.classList.remove("on"); done.style.display = "block";
  report({ type: "submitted", values });
});
setInterval(async () => { try { const g = Number(await (await fetch("/gen")).text()); if (g !== gen) location.reload(); } catch {} }, 150);
requestAnimationFrame(() => requestAnimationFrame(() => report({ type: "ready" })));
</script></body></html>`;
}

export type FormPage = {
  url: string;
  events: FormEvent[];
  variant: FormVariant;
  /** A fresh form (after a change of variant too): the page reloads and reports ready. */
  reset(variant?: FormVariant): Promise<void>;
  waitFor(pred: (e: FormEvent) => boolean, timeoutMs?: number): Promise<FormEvent>;
  close(): Promise<void>;
};

export async function startFormPage(): Promise<FormPage> {
  const events: FormEvent[] = [];
  let gen = 1;
  const page: FormPage = {
    url: "",
    events,
    variant: { moved: false, renamed: false },
    reset: async (variant) => {
      if (variant) page.variant = variant;
      gen++;
      await page.waitFor((e) => e.type === "ready" && e.gen === gen, 15_000);
      // The first paint after the ready report.
      await new Promise((r) => setTimeout(r, 400));
    },
    waitFor: async (pred, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = events.find(pred);
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`the form page never reported the expected event; its last events: ${JSON.stringify(events.slice(-10))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: async () => undefined,
  };
  const server = createServer((req, res) => {
    if (req.method === "POST") {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        try {
          events.push(JSON.parse(body) as FormEvent);
        } catch {
          // a malformed report is a bug in the page
        }
        res.end("ok");
      });
      return;
    }
    if (req.url === "/gen") return res.end(String(gen));
    res.setHeader("content-type", "text/html; charset=utf-8");
    res.end(html(page.variant, gen));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const addr = server.address();
  page.url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}/`;
  page.close = () => new Promise<void>((r) => server.close(() => r()));
  return page;
}
