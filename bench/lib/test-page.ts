import { servePage } from "../../test-support/page-server.ts";

/**
 * A page for measuring what a person would see after an action: a big panel
 * that changes colour 500 ms after a click (the late reaction ARCHITECTURE.md's "Settling the screen" warns
 * about), a text field that echoes typing at once, and an inert corner.
 */
export const COLORS = { a: [0x20, 0x40, 0x80], b: [0xc0, 0x60, 0x20] } as const;

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>bench</title><style>
html,body{margin:0;height:100%;font:24px sans-serif;background:#eee}
#field{position:absolute;left:20px;top:20px;width:600px;height:40px;font-size:24px}
#panel{position:absolute;left:0;top:100px;right:0;bottom:0;overflow-y:auto;background:rgb(${COLORS.a.join(",")})}
.row{width:40%;height:60px;border-bottom:4px solid #fff;background:#8a8}
.row:nth-child(odd){background:#a88}
</style></head><body><input id="field" autofocus><div id="panel">${Array.from({ length: 80 }, (_, i) => `<div class="row">${i}</div>`).join("")}</div><script>
let on = false;
document.getElementById("panel").addEventListener("mousedown", () => {
  setTimeout(() => { on = !on; document.getElementById("panel").style.background = on ? "rgb(${COLORS.b.join(",")})" : "rgb(${COLORS.a.join(",")})"; }, 500);
});
fetch("/ready", { method: "POST" });
</script></body></html>`;

export async function serveTestPage(): Promise<{ url: string; ready: Promise<void>; close(): Promise<void> }> {
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (markReady = r));
  const page = await servePage(PAGE, (path) => {
    if (path === "/ready") markReady();
  });
  return { ...page, ready };
}
