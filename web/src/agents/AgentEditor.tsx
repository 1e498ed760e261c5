import { useEffect, useState, type FormEvent } from "react";
import { api } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";
import { Link } from "../app/Link.tsx";
import { navigate } from "../app/router.ts";
import { useCan } from "../auth/session.ts";
import { parseLabels } from "../desktops/labels.ts";
import { useFleet } from "../live/FleetProvider.tsx";
import { Field } from "../ui/Field.tsx";
import { McpServersEditor, draftsOf, serversOf, type ServerDraft } from "./McpServersEditor.tsx";
import { TOOLS, type Agent, type CreateAgentBody, type Preview, type Skill, type Tool } from "./types.ts";

const PREVIEW_DELAY_MS = 400;

/**
 * Create (`name` null) or edit an agent, with a live preview of the system
 * prompt its tasks get and its size in tokens. Admins edit; operators read.
 */
export function AgentEditor({ name }: { name: string | null }) {
  const canEdit = useCan("admin");
  const [agent, setAgent] = useState<Agent | null>(null);
  const [skills, setSkills] = useState<Skill[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call(api.skills.$get())
      .then((r) => setSkills(r.items))
      .catch(() => undefined);
    if (name === null) return;
    call(api.agents[":name"].$get({ param: { name } }))
      .then(setAgent)
      .catch((e: unknown) => setError(errorMessage(e)));
  }, [name]);
  if (name !== null && !agent) return error ? <p className="error" role="alert">{error}</p> : <p className="muted">Loading…</p>;
  return <AgentForm key={agent?.updatedAt ?? "new"} initial={agent} skills={skills} canEdit={canEdit} onSaved={setAgent} />;
}

function AgentForm({ initial, skills, canEdit, onSaved }: { initial: Agent | null; skills: Skill[]; canEdit: boolean; onSaved: (a: Agent) => void }) {
  const { desktops } = useFleet();
  const [name, setName] = useState(initial?.name ?? "");
  const [description, setDescription] = useState(initial?.description ?? "");
  const [instructions, setInstructions] = useState(initial?.instructions ?? "");
  // A new agent starts with the screen-side tools, as the API does; tools beyond the screen are opted into.
  const [tools, setTools] = useState<Tool[]>(initial?.tools ?? ["computer", "ask_human", "type_secret", "memory"]);
  const [chosen, setChosen] = useState<string[]>(initial?.skills ?? []);
  const [model, setModel] = useState(initial?.model ?? "");
  const [desktopId, setDesktopId] = useState(initial?.target.desktopId ?? "");
  const [labels, setLabels] = useState(initial?.target.labels.join(", ") ?? "");
  const [maxSteps, setMaxSteps] = useState(initial?.maxSteps?.toString() ?? "");
  const [budget, setBudget] = useState(initial?.budgetUsd?.toString() ?? "");
  const [continueLast, setContinueLast] = useState(initial?.continueFrom === "last");
  const [selfHealing, setSelfHealing] = useState<"" | "on" | "off">(initial?.selfHealing === null || !initial ? "" : initial.selfHealing ? "on" : "off");
  const [servers, setServers] = useState<ServerDraft[]>(draftsOf(initial?.mcpServers));
  const [preview, setPreview] = useState<Preview | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  // The preview follows the draft, a moment after typing stops.
  useEffect(() => {
    const timer = setTimeout(() => {
      call(api.agents.preview.$post({ json: { ...(name.trim() ? { name: name.trim() } : {}), instructions, skills: chosen, tools } }))
        .then((p) => (setPreview(p), setPreviewError(null)))
        .catch((e: unknown) => setPreviewError(errorMessage(e)));
    }, PREVIEW_DELAY_MS);
    return () => clearTimeout(timer);
  }, [name, instructions, chosen, tools]);

  const toggle = <T,>(list: T[], item: T, on: boolean) => (on ? [...list, item] : list.filter((x) => x !== item));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const settings = {
      description: description.trim(),
      instructions: instructions.trim(),
      tools,
      skills: chosen,
      ...(desktopId ? { desktopId } : { labels: parseLabels(labels) }),
      continueFrom: continueLast ? ("last" as const) : ("none" as const),
    };
    const mcpServers = serversOf(servers);
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      if (initial) {
        const updated = await call(
          api.agents[":name"].$patch({
            param: { name: initial.name },
            json: {
              ...settings,
              ...(desktopId ? {} : { desktopId: null }),
              // The whole set every time, so a removed server is removed.
              mcpServers,
              model: model.trim() || null,
              maxSteps: maxSteps ? Number(maxSteps) : null,
              budgetUsd: budget ? Number(budget) : null,
              selfHealing: selfHealing === "" ? null : selfHealing === "on",
            },
          }),
        );
        onSaved(updated);
        setSaved(true);
      } else {
        const json: CreateAgentBody = { name: name.trim(), ...settings };
        if (model.trim()) json.model = model.trim();
        if (maxSteps) json.maxSteps = Number(maxSteps);
        if (budget) json.budgetUsd = Number(budget);
        if (selfHealing) json.selfHealing = selfHealing === "on";
        if (Object.keys(mcpServers).length > 0) json.mcpServers = mcpServers;
        const created = await call(api.agents.$post({ json }));
        navigate(`/agents/${created.name}`);
      }
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    if (!initial || !window.confirm(`Delete agent @${initial.name}? Its finished tasks keep its name.`)) return;
    try {
      await call(api.agents[":name"].$delete({ param: { name: initial.name } }));
      navigate("/agents");
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  return (
    <section aria-labelledby="agent-title">
      <header className="page-head">
        <div>
          <h1 id="agent-title">{initial ? `@${initial.name}` : "New agent"}</h1>
          <p className="muted small">
            <Link to="/agents">All agents</Link>
            {initial && (
              <>
                {" "}
                · <Link to={`/history?agent=${initial.name}`}>its tasks</Link>
              </>
            )}
          </p>
        </div>
        {initial && canEdit && (
          <button type="button" className="danger" onClick={() => void remove()}>
            Delete
          </button>
        )}
      </header>
      <div className="agent-editor">
        <form className="card form" onSubmit={submit} aria-label="Agent settings">
          <fieldset disabled={!canEdit} className="plain">
            {!initial && (
              <Field label="Name" hint="What people write after @ (lowercase letters, digits and dashes).">
                {(p) => <input {...p} required value={name} onChange={(e) => setName(e.target.value.toLowerCase())} placeholder="accounting" spellCheck={false} />}
              </Field>
            )}
            <Field label="Description" hint="What it does; the supervisor and @auto pick agents by it.">
              {(p) => <input {...p} required value={description} onChange={(e) => setDescription(e.target.value)} />}
            </Field>
            <Field label="Instructions" hint="Its identity and role: first in every prompt of its tasks.">
              {(p) => <textarea {...p} rows={8} value={instructions} onChange={(e) => setInstructions(e.target.value)} />}
            </Field>
            <fieldset>
              <legend>Tools it may use</legend>
              {TOOLS.map(({ tool, label }) => (
                <label key={tool} className="checkbox">
                  <input type="checkbox" checked={tools.includes(tool)} disabled={tool === "computer"} onChange={(e) => setTools(toggle(tools, tool, e.target.checked))} /> {label}
                </label>
              ))}
            </fieldset>
            <McpServersEditor drafts={servers} onChange={setServers} />
            <fieldset>
              <legend>Skills</legend>
              {skills.length === 0 && (
                <p className="muted small">
                  No skills yet; <Link to="/skills">add one</Link>.
                </p>
              )}
              {skills.map((s) => (
                <label key={s.name} className="checkbox">
                  <input type="checkbox" checked={chosen.includes(s.name)} onChange={(e) => setChosen(toggle(chosen, s.name, e.target.checked))} /> {s.name} — {s.description}
                </label>
              ))}
            </fieldset>
            <div className="row">
              <Field label="Default desktop">
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
              {!desktopId && <Field label="Default labels">{(p) => <input {...p} value={labels} onChange={(e) => setLabels(e.target.value)} placeholder="office" />}</Field>}
            </div>
            <div className="row">
              <Field label="Model" hint="Empty: the host's default.">
                {(p) => <input {...p} value={model} onChange={(e) => setModel(e.target.value)} />}
              </Field>
              <Field label="Max steps" hint="A task may ask for fewer, not more.">
                {(p) => <input {...p} type="number" min={1} value={maxSteps} onChange={(e) => setMaxSteps(e.target.value)} />}
              </Field>
              <Field label="Budget (USD)" hint="A task may ask for less, not more.">
                {(p) => <input {...p} type="number" min={0.01} step={0.01} value={budget} onChange={(e) => setBudget(e.target.value)} />}
              </Field>
            </div>
            <div className="row">
              <Field label="Self-healing">
                {(p) => (
                  <select {...p} value={selfHealing} onChange={(e) => setSelfHealing(e.target.value as "" | "on" | "off")}>
                    <option value="">The deployment's default</option>
                    <option value="on">On: retry failures through the supervisor</option>
                    <option value="off">Off</option>
                  </select>
                )}
              </Field>
              <label className="checkbox field">
                <input type="checkbox" checked={continueLast} onChange={(e) => setContinueLast(e.target.checked)} /> Start each task with a summary of the previous task on its desktop
              </label>
            </div>
          </fieldset>
          {error && <p className="error" role="alert">{error}</p>}
          {saved && <p role="status">Saved.</p>}
          {canEdit && (
            <button type="submit" className="primary" disabled={busy || !description.trim() || (!initial && !name.trim())}>
              {busy ? "Saving…" : initial ? "Save changes" : "Create agent"}
            </button>
          )}
        </form>
        <aside className="card prompt-preview" aria-label="System prompt preview">
          <h2 className="small">System prompt</h2>
          {previewError && <p className="error">{previewError}</p>}
          {preview && (
            <>
              <p className="muted small" aria-live="polite">
                {preview.counted === "anthropic" ? "" : "≈ "}
                {preview.tokens.toLocaleString()} tokens{preview.counted === "anthropic" ? " (counted by Anthropic)" : " (estimated; set ANTHROPIC_API_KEY to count exactly)"} · cached: written once per task,
                then read at a tenth of the price
              </p>
              <pre className="diff">{preview.system}</pre>
            </>
          )}
        </aside>
      </div>
    </section>
  );
}
