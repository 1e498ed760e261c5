import { serveReportingPage, type TestApp } from "./test-app.ts";

/**
 * A login page on the test desktop that records what it receives: every
 * field's value as it changes and each submission (the button, or Return in
 * a field). After a submission the form is cleared for the next test. The
 * password and code fields mask what is typed, as real ones do.
 */
export const LOGIN_FIELDS = {
  username: [290, 122],
  password: [290, 202],
  otp: [290, 282],
  code: [290, 362],
  submit: [140, 450],
} as const;

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Deskfleet test login</title><style>
html,body{margin:0;height:100%;font:22px sans-serif;background:#eef1f4;color:#222}
h1{position:absolute;left:40px;top:20px;margin:0;font-size:30px}
input{position:absolute;left:40px;width:500px;height:44px;font-size:22px}
#username{top:100px}#password{top:180px}#otp{top:260px}#code{top:340px}
#submit{position:absolute;left:40px;top:420px;width:200px;height:60px;font-size:22px;background:#2a6;color:#fff;border:0}
#status{position:absolute;left:40px;top:520px;font-size:26px}
</style></head><body>
<h1>Sign in</h1>
<form id="login" autocomplete="off">
<input id="username" placeholder="Username" autocomplete="off">
<input id="password" type="password" placeholder="Password" autocomplete="off">
<input id="otp" type="password" placeholder="One-time code" autocomplete="off">
<input id="code" type="password" placeholder="Code sent to your phone" autocomplete="off">
<button id="submit" type="submit">Sign in</button>
</form>
<div id="status">Signed out</div>
<script>
const report = (e) => fetch("/event", { method: "POST", body: JSON.stringify({ ...e, at: Date.now() }) });
for (const id of ["username", "password", "otp", "code"]) document.getElementById(id).addEventListener("input", (ev) => report({ type: "input", target: id, value: ev.target.value }));
document.addEventListener("mousedown", (ev) => report({ type: "mousedown", target: ev.target.id || ev.target.tagName, x: ev.clientX, y: ev.clientY }));
document.getElementById("login").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const v = (id) => document.getElementById(id).value;
  report({ type: "submitted", target: "login", value: JSON.stringify({ username: v("username"), password: v("password"), otp: v("otp"), code: v("code") }) });
  document.getElementById("status").textContent = "Signed in as " + v("username");
  ev.target.reset();
});
report({ type: "ready", target: "page" });
</script></body></html>`;

export type Submission = { username: string; password: string; otp: string; code: string };

export async function startLoginApp(): Promise<TestApp & { submissions(): Submission[] }> {
  const app = await serveReportingPage(PAGE, "the login page");
  return { ...app, submissions: () => app.events.filter((e) => e.type === "submitted").map((e) => JSON.parse(e.value ?? "{}") as Submission) };
}
