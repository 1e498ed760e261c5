import { useState, type FormEvent } from "react";
import { errorMessage } from "../api/request.ts";
import { useFleet } from "../live/FleetProvider.tsx";
import { parseLabels } from "../desktops/labels.ts";
import { Field } from "../ui/Field.tsx";
import { TimingPreview } from "./TimingPreview.tsx";
import { useAgents } from "../agents/use-agents.ts";
import type { CreateBody, Schedule } from "./types.ts";
import { PairRows, recordToPairs, type Pair } from "../ui/PairRows.tsx";

type Kind = "cron" | "interval" | "once";
const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
/** `datetime-local` wants local wall-clock time without a zone. */
const toLocalInput = (at: number) => new Date(at - new Date(at).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

type Props = { initial?: Schedule; submitLabel: string; onSubmit: (body: CreateBody & { reason?: string }) => Promise<void> };

/** Create or edit a schedule: prompt, timing with a live preview, time zone, target. */
export function ScheduleForm({ initial, submitLabel, onSubmit }: Props) {
  const { desktops } = useFleet();
  const { agents } = useAgents();
  const [agent, setAgent] = useState(initial?.agent ?? "");
  const [name, setName] = useState(initial?.name ?? "");
  const [prompt, setPrompt] = useState(initial?.prompt ?? "");
  const [kind, setKind] = useState<Kind>(initial?.kind ?? "cron");
  const [cron, setCron] = useState(initial?.cron ?? "0 9 * * 1-5");
  const [interval, setInterval] = useState(String(initial?.intervalMinutes ?? 60));
  const [runAt, setRunAt] = useState(toLocalInput(initial?.runAt ?? Date.now() + 3600_000));
  const [timezone, setTimezone] = useState(initial?.timezone ?? browserZone());
  const [desktopId, setDesktopId] = useState(initial?.target.desktopId ?? "");
  const [labels, setLabels] = useState(initial?.target.labels.join(", ") ?? "");
  const [reason, setReason] = useState("");
  const [selfLearning, setSelfLearning] = useState<Schedule["selfLearning"]>(initial?.selfLearning ?? "off");
  const [replay, setReplay] = useState<Schedule["replay"]>(initial?.replay ?? "auto");
  // Shown as secret names; sent as `secret:<name>` references.
  const [env, setEnv] = useState<Pair[]>(recordToPairs(initial?.env).map((r) => ({ ...r, value: r.value.replace(/^secret:/, "") })));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const timing = kind === "cron" ? { cron, timezone } : kind === "interval" ? { intervalMinutes: Number(interval), timezone } : { runAt: new Date(runAt).getTime(), timezone };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body: CreateBody & { reason?: string } = { name: name.trim(), prompt: prompt.trim(), ...timing, selfLearning, replay };
    if (agent) body.agent = agent;
    else if (initial?.agent) (body as { agent?: string | null }).agent = null;
    if (desktopId) body.desktopId = desktopId;
    else if (labels.trim()) body.labels = parseLabels(labels);
    if (initial && reason.trim()) body.reason = reason.trim();
    const vars = env.filter((r) => r.key.trim());
    // `{}` on an edit removes the variables a schedule had.
    if (vars.length || Object.keys(initial?.env ?? {}).length) body.env = Object.fromEntries(vars.map((r) => [r.key.trim(), `secret:${r.value.trim().replace(/^secret:/, "")}`]));
    setBusy(true);
    setError(null);
    try {
      await onSubmit(body);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card form" onSubmit={submit}>
      <Field label="Name">{(p) => <input {...p} required value={name} onChange={(e) => setName(e.target.value)} placeholder="Morning report" />}</Field>
      <Field label="Prompt">{(p) => <textarea {...p} required rows={4} value={prompt} onChange={(e) => setPrompt(e.target.value)} />}</Field>
      {initial && (
        <Field label="Why the prompt changed" hint="Kept with the new prompt version.">
          {(p) => <input {...p} value={reason} onChange={(e) => setReason(e.target.value)} />}
        </Field>
      )}
      <fieldset>
        <legend>When</legend>
        {(["cron", "interval", "once"] as const).map((k) => (
          <label key={k} className="radio">
            <input type="radio" name="kind" checked={kind === k} onChange={() => setKind(k)} />
            {k === "cron" ? "Cron" : k === "interval" ? "Every N minutes" : "Once"}
          </label>
        ))}
        {kind === "cron" && (
          <Field label="Cron expression" hint="minute hour day-of-month month day-of-week, or @daily, @weekly…">
            {(p) => <input {...p} value={cron} onChange={(e) => setCron(e.target.value)} spellCheck={false} autoCapitalize="off" />}
          </Field>
        )}
        {kind === "interval" && <Field label="Minutes between runs">{(p) => <input {...p} type="number" min={1} value={interval} onChange={(e) => setInterval(e.target.value)} />}</Field>}
        {kind === "once" && <Field label="Run at">{(p) => <input {...p} type="datetime-local" value={runAt} onChange={(e) => setRunAt(e.target.value)} />}</Field>}
        <Field label="Time zone" hint="An IANA name such as Europe/Berlin or America/New_York.">
          {(p) => <input {...p} value={timezone} onChange={(e) => setTimezone(e.target.value)} spellCheck={false} />}
        </Field>
        <TimingPreview timing={timing} />
      </fieldset>
      <div className="row">
        <Field label="Desktop">
          {(p) => (
            <select {...p} value={desktopId} onChange={(e) => setDesktopId(e.target.value)}>
              <option value="">Any (or by labels)</option>
              {desktops.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        {!desktopId && <Field label="Labels">{(p) => <input {...p} value={labels} onChange={(e) => setLabels(e.target.value)} placeholder="office" />}</Field>}
      </div>
      {(agents.length > 0 || agent) && (
        <Field label="Agent" hint="Each run gets its instructions, skills, tools and limits.">
          {(p) => (
            <select {...p} value={agent} onChange={(e) => setAgent(e.target.value)}>
              <option value="">None</option>
              {agent && !agents.some((a) => a.name === agent) && <option value={agent}>@{agent}</option>}
              {agents.map((a) => (
                <option key={a.name} value={a.name}>
                  @{a.name} — {a.description}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      <Field label="Self-learning" hint="After a run completes, the optimizer can improve the prompt from what the run learned. A proposed rewrite waits for your approval (Approvals) unless it applies automatically.">
        {(p) => (
          <select {...p} value={selfLearning} onChange={(e) => setSelfLearning(e.target.value as Schedule["selfLearning"])}>
            <option value="off">Off</option>
            <option value="propose">Propose prompt rewrites for approval</option>
            <option value="auto">Apply prompt rewrites automatically</option>
          </select>
        )}
      </Field>
      <Field label="Replay" hint="Once a run has succeeded, later runs replay what it did on the screen without calling the model, and call the model only from the first step whose screen does not match (see the Trajectory tab).">
        {(p) => (
          <select {...p} value={replay} onChange={(e) => setReplay(e.target.value as Schedule["replay"])}>
            <option value="auto">Replay the recorded trajectory (auto)</option>
            <option value="off">Off: ask the model every run</option>
          </select>
        )}
      </Field>
      <fieldset>
        <legend>Shell variables from the vault</legend>
        <p className="hint">Exported in each run's shell (its agent and its desktop's host must allow the shell); a value printed is shown as [secret:name].</p>
        <PairRows label="Shell variables" rows={env} onChange={setEnv} keyLabel="Variable" valueLabel="Secret" keyPlaceholder="GITHUB_TOKEN" valuePlaceholder="github" addLabel="Add a variable" />
      </fieldset>
      {error && <p className="error" role="alert">{error}</p>}
      <button type="submit" className="primary" disabled={busy || !name.trim() || !prompt.trim()}>
        {busy ? "Saving…" : submitLabel}
      </button>
    </form>
  );
}
