import { useEffect, useState, type FormEvent } from "react";
import type { InferRequestType } from "hono/client";
import { api } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";
import { navigate } from "../app/router.ts";
import { parseLabels } from "../desktops/labels.ts";
import { useFleet } from "../live/FleetProvider.tsx";
import { Field } from "../ui/Field.tsx";
import { useAgents } from "../agents/use-agents.ts";
import { runBoxTarget } from "../agents/mention.ts";
import { attachFiles } from "./task-files.ts";
import { PairRows, type Pair } from "../ui/PairRows.tsx";

/** What every task keeps when its tools beyond the screen are narrowed here. */
const SCREEN_SIDE = ["ask_human", "type_secret", "memory"] as const;

/** Tools beyond the screen a task can ask for; the desktop's host must allow them too. */
const TOOLS = [
  ["shell", "Shell (bash)"],
  ["files", "Files (editor, attachments, sending files back)"],
  ["browser", "Browser over CDP"],
  ["web", "Web fetch"],
  ["mcp", "MCP servers"],
] as const;

type Body = InferRequestType<typeof api.tasks.$post>["json"];
type Target = "any" | "desktop" | "labels";

/** Prompt (`@agent …` picks an agent), target, start URL, model and budget; submitting opens the task console. */
export function RunTask({ desktopId }: { desktopId: string | null }) {
  const { desktops } = useFleet();
  const { agents } = useAgents();
  const [agent, setAgent] = useState("");
  const [continueLast, setContinueLast] = useState(false);
  const [prompt, setPrompt] = useState("");
  const [target, setTarget] = useState<Target>(desktopId ? "desktop" : "any");
  const [desktop, setDesktop] = useState(desktopId ?? "");
  const [labels, setLabels] = useState("");
  const [startUrl, setStartUrl] = useState("");
  const [model, setModel] = useState("");
  const [budget, setBudget] = useState("");
  const [maxSteps, setMaxSteps] = useState("");
  const [replay, setReplay] = useState(false);
  const [toolMode, setToolMode] = useState<"host" | "none" | "some">("host");
  const [tools, setTools] = useState<string[]>([]);
  const [files, setFiles] = useState<File[]>([]);
  const [command, setCommand] = useState("");
  const [env, setEnv] = useState<Pair[]>([]);
  const [secretNames, setSecretNames] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // The vault's names (never values), offered as the shell variables' secrets; a deployment without a vault offers none.
  useEffect(() => {
    call(api.secrets.$get())
      .then((r) => setSecretNames(r.items.map((x) => x.name)))
      .catch(() => undefined);
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const parsed = runBoxTarget(prompt, agents.map((a) => a.name));
    if ("error" in parsed) {
      setError(parsed.error);
      return;
    }
    const json: Body = { prompt: parsed.prompt };
    const chosen = parsed.agent ?? agent;
    if (chosen) json.agent = chosen;
    if (continueLast) json.continueFrom = "last";
    if (target === "desktop") json.desktopId = desktop || desktops[0]?.id;
    if (target === "labels") json.labels = parseLabels(labels);
    if (startUrl.trim()) json.startUrl = startUrl.trim();
    if (model.trim()) json.model = model.trim();
    if (budget.trim()) json.budgetUsd = Number(budget);
    if (maxSteps.trim()) json.maxSteps = Number(maxSteps);
    if (replay) json.replay = "auto";
    if (toolMode !== "host") {
      // `tools` is the whole allow-list: keep asking people, typing secrets and memory (as far as the agent has them).
      const own = agents.find((a) => a.name === chosen)?.tools;
      const screenSide = SCREEN_SIDE.filter((t) => !own || own.includes(t));
      json.tools = [...screenSide, ...(toolMode === "none" ? [] : tools)];
    }
    if (command.trim()) json.command = command.trim();
    const vars = env.filter((r) => r.key.trim());
    // The API takes references only: `secret:<name>`; the value never passes through this form.
    if (vars.length) json.env = Object.fromEntries(vars.map((r) => [r.key.trim(), `secret:${r.value.trim().replace(/^secret:/, "")}`]));
    // The task waits for its files, so its host has them before the agent starts.
    if (files.length) json.attachments = files.length;
    setBusy(true);
    setError(null);
    try {
      const task = await call(api.tasks.$post({ json }));
      if (files.length) await attachFiles(task.id, files);
      navigate(`/tasks/${task.id}`);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="run-title">
      <h1 id="run-title">Run a task</h1>
      <form className="card form" onSubmit={submit}>
        <Field label="What should the agent do?" hint="Start with @name to run it with an agent; @skill:name attaches a skill.">
          {(p) => <textarea {...p} rows={5} required value={prompt} onChange={(e) => setPrompt(e.target.value)} placeholder="@accounting Open the invoices folder and total this month's amounts" />}
        </Field>
        {agents.length > 0 && (
          <Field label="Agent" hint="Its instructions, skills, tools and limits; a leading @name in the prompt wins.">
            {(p) => (
              <select {...p} value={agent} onChange={(e) => setAgent(e.target.value)}>
                <option value="">None</option>
                <option value="auto">Pick by description</option>
                {agents.map((a) => (
                  <option key={a.name} value={a.name}>
                    @{a.name} — {a.description}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        <fieldset className="target">
          <legend>Where</legend>
          {(["any", "desktop", "labels"] as const).map((t) => (
            <label key={t} className="radio">
              <input type="radio" name="target" value={t} checked={target === t} onChange={() => setTarget(t)} />
              {t === "any" ? "Any free desktop" : t === "desktop" ? "A desktop" : "Desktops with labels"}
            </label>
          ))}
          {target === "desktop" && (
            <Field label="Desktop">
              {(p) => (
                <select {...p} value={desktop} onChange={(e) => setDesktop(e.target.value)}>
                  {desktops.map((d) => (
                    <option key={d.id} value={d.id}>
                      {d.name} ({d.presence.replace("_", "-")})
                    </option>
                  ))}
                </select>
              )}
            </Field>
          )}
          {target === "labels" && (
            <Field label="Labels" hint="A desktop must have all of them.">
              {(p) => <input {...p} value={labels} onChange={(e) => setLabels(e.target.value)} placeholder="office, chrome" />}
            </Field>
          )}
        </fieldset>
        <details>
          <summary>Options</summary>
          <label className="checkbox field">
            <input type="checkbox" checked={continueLast} onChange={(e) => setContinueLast(e.target.checked)} /> Start with a summary of the previous task on its desktop (its prompt, result and last screen)
          </label>
          <Field label="Start URL" hint="Opened in the browser before the agent starts.">
            {(p) => <input {...p} type="url" value={startUrl} onChange={(e) => setStartUrl(e.target.value)} placeholder="https://" />}
          </Field>
          <Field label="Model" hint="Leave empty for the host's default.">
            {(p) => <input {...p} value={model} onChange={(e) => setModel(e.target.value)} placeholder="claude-sonnet-4-5" />}
          </Field>
          <div className="row">
            <Field label="Budget (USD)" hint="The agent stops when it has spent this much.">
              {(p) => <input {...p} type="number" min="0.01" step="0.01" inputMode="decimal" value={budget} onChange={(e) => setBudget(e.target.value)} />}
            </Field>
            <Field label="Max steps" hint="Turns of the model, each with one or more actions. Default 100.">
              {(p) => <input {...p} type="number" min="1" step="1" inputMode="numeric" value={maxSteps} onChange={(e) => setMaxSteps(e.target.value)} />}
            </Field>
          </div>
          <label className="small">
            <input type="checkbox" checked={replay} onChange={(e) => setReplay(e.target.checked)} /> Replay the last good run of this prompt without the model, when there is one
          </label>
        </details>
        <details>
          <summary>Tools and files</summary>
          <fieldset>
            <legend>Tools beyond the screen</legend>
            <Field label="The agent may use" hint="Only ever what the desktop's host allows (deskfleet-host run --allow …).">
              {(p) => (
                <select {...p} value={toolMode} onChange={(e) => setToolMode(e.target.value as typeof toolMode)}>
                  <option value="host">Everything its host allows</option>
                  <option value="none">The screen only</option>
                  <option value="some">Only these…</option>
                </select>
              )}
            </Field>
            {toolMode === "some" && TOOLS.map(([id, label]) => (
              <label key={id} className="check">
                <input type="checkbox" checked={tools.includes(id)} onChange={(e) => setTools((t) => (e.target.checked ? [...t, id] : t.filter((x) => x !== id)))} />
                {label}
              </label>
            ))}
          </fieldset>
          <Field label="Attachments" hint="Downloaded into the task's folder on the desktop before the agent starts (with Files, the agent is told where).">
            {(p) => <input {...p} type="file" multiple onChange={(e) => setFiles([...(e.target.files ?? [])])} />}
          </Field>
          <fieldset>
            <legend>Shell variables from the vault</legend>
            <p className="hint">
              Exported in the task's shell (it needs the shell tool); the agent knows their names, never their values, and each value printed is shown as [secret:name].
              A value changed by a command (reversed, encoded) cannot be recognised and is not redacted.
            </p>
            <PairRows
              label="Shell variables"
              rows={env}
              onChange={setEnv}
              keyLabel="Variable"
              valueLabel="Secret"
              keyPlaceholder="GITHUB_TOKEN"
              valuePlaceholder="github"
              addLabel="Add a variable"
              suggestions={secretNames}
            />
          </fieldset>
          <Field label="Or run a shell command, without a model" hint="Its output is the task's result; the host must allow the shell.">
            {(p) => <input {...p} value={command} onChange={(e) => setCommand(e.target.value)} placeholder="df -h" />}
          </Field>
        </details>
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" className="primary" disabled={busy || !prompt.trim()}>
          {busy ? "Submitting…" : "Run task"}
        </button>
      </form>
    </section>
  );
}
