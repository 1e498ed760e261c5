import { useState, type FormEvent } from "react";
import type { InferRequestType } from "hono/client";
import { api } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";
import { navigate } from "../app/router.ts";
import { parseLabels } from "../desktops/labels.ts";
import { useFleet } from "../live/FleetProvider.tsx";
import { Field } from "../ui/Field.tsx";

type Body = InferRequestType<typeof api.tasks.$post>["json"];
type Target = "any" | "desktop" | "labels";

/** Prompt, target, start URL, model and budget; submitting opens the task console. */
export function RunTask({ desktopId }: { desktopId: string | null }) {
  const { desktops } = useFleet();
  const [prompt, setPrompt] = useState("");
  const [target, setTarget] = useState<Target>(desktopId ? "desktop" : "any");
  const [desktop, setDesktop] = useState(desktopId ?? "");
  const [labels, setLabels] = useState("");
  const [startUrl, setStartUrl] = useState("");
  const [model, setModel] = useState("");
  const [budget, setBudget] = useState("");
  const [maxSteps, setMaxSteps] = useState("");
  const [replay, setReplay] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const json: Body = { prompt: prompt.trim() };
    if (target === "desktop") json.desktopId = desktop || desktops[0]?.id;
    if (target === "labels") json.labels = parseLabels(labels);
    if (startUrl.trim()) json.startUrl = startUrl.trim();
    if (model.trim()) json.model = model.trim();
    if (budget.trim()) json.budgetUsd = Number(budget);
    if (maxSteps.trim()) json.maxSteps = Number(maxSteps);
    if (replay) json.replay = "auto";
    setBusy(true);
    setError(null);
    try {
      const task = await call(api.tasks.$post({ json }));
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
        <Field label="What should the agent do?">
          {(p) => <textarea {...p} rows={5} required value={prompt} onChange={(e) => setPrompt(e.target.value)} placeholder="Open the invoices folder and total this month's amounts" />}
        </Field>
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
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" className="primary" disabled={busy || !prompt.trim()}>
          {busy ? "Submitting…" : "Run task"}
        </button>
      </form>
    </section>
  );
}
