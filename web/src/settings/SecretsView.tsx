import { useCallback, useEffect, useId, useState, type FormEvent } from "react";
import type { InferRequestType, InferResponseType } from "hono/client";
import { api } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";
import { Link } from "../app/Link.tsx";
import { parseLabels } from "../desktops/labels.ts";
import { useFleet } from "../live/FleetProvider.tsx";
import { Field } from "../ui/Field.tsx";
import { dateTime, timeAgo } from "../ui/format.ts";

type Secret = InferResponseType<typeof api.secrets.$get, 200>["items"][number];
type NewSecret = InferRequestType<typeof api.secrets.$post>["json"];
type Kind = NewSecret["kind"];
type Scope = Secret["scope"];
type Release = InferResponseType<(typeof api.secrets)[":name"]["releases"]["$get"], 200>["items"][number];

const KINDS: { kind: Kind; what: string }[] = [
  { kind: "password", what: "password" },
  { kind: "text", what: "other text (an API key, a PIN)" },
  { kind: "totp", what: "one-time codes (TOTP seed or otpauth:// URI)" },
];

export function scopeText(scope: Scope): string {
  if (scope === "global") return "everywhere";
  const parts = [
    scope.desktops?.length ? `desktops ${scope.desktops.join(", ")}` : null,
    scope.labels?.length ? `labels ${scope.labels.join(", ")}` : null,
    scope.schedules?.length ? `schedules ${scope.schedules.join(", ")}` : null,
  ].filter(Boolean);
  return parts.join("; ");
}

/**
 * Settings → Secrets: the vault. Admins add, rotate, re-scope and delete
 * secrets; the value field is write-only (nothing ever shows a value, and the
 * API never returns one). Operators see names and use.
 */
export function SecretsView({ canManage }: { canManage: boolean }) {
  const [secrets, setSecrets] = useState<Secret[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    call(api.secrets.$get())
      .then((r) => setSecrets(r.items))
      .catch((e: unknown) => setError(errorMessage(e)));
  }, []);
  useEffect(load, [load]);

  return (
    <section aria-labelledby="secrets-title">
      <h2 id="secrets-title">Secrets</h2>
      <p className="muted small">
        Credentials agents type with <code>type_secret</code> without the model, the logs or the history ever holding them. Name one in a task's
        prompt as <code>{"{{secret:name}}"}</code>.
      </p>
      {canManage && <AddSecret onAdded={load} />}
      {error && <p className="error" role="alert">{error}</p>}
      {secrets && secrets.length === 0 && <p className="muted">No secrets yet.</p>}
      {secrets && secrets.length > 0 && (
        <ul className="plain-list" aria-label="Secrets">
          {secrets.map((s) => (
            <li key={s.name}>
              <SecretCard secret={s} canManage={canManage} onChanged={load} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function AddSecret({ onAdded }: { onAdded: () => void }) {
  const [name, setName] = useState("");
  const [kind, setKind] = useState<Kind>("password");
  const [value, setValue] = useState("");
  const [description, setDescription] = useState("");
  const [scope, setScope] = useState<Scope>("global");
  const [exclusive, setExclusive] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await call(api.secrets.$post({ json: { name: name.trim(), kind, value, description: description.trim(), scope, exclusive } }));
      // The value is gone from the page the moment it is stored.
      setName("");
      setValue("");
      setDescription("");
      setScope("global");
      setExclusive(false);
      onAdded();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card form" onSubmit={submit} aria-label="Add a secret">
      <div className="row">
        <Field label="Name" hint="Lowercase letters, digits, . _ -">
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} placeholder="github" required maxLength={64} />}
        </Field>
        <Field label="Kind">
          {(p) => (
            <select {...p} value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
              {KINDS.map((k) => (
                <option key={k.kind} value={k.kind}>
                  {k.kind} — {k.what}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <Field label="Value" hint="Write-only: it is sealed when you add it and never shown again, to anyone.">
        {(p) => <input {...p} type="password" autoComplete="new-password" value={value} onChange={(e) => setValue(e.target.value)} required />}
      </Field>
      <Field label="Description" hint="What the agent is told it is for (it never sees the value).">
        {(p) => <input {...p} value={description} onChange={(e) => setDescription(e.target.value)} placeholder="GitHub login for the release bot" maxLength={500} />}
      </Field>
      <ScopeEditor value={scope} onChange={setScope} />
      <label className="checkbox">
        <input type="checkbox" checked={exclusive} onChange={(e) => setExclusive(e.target.checked)} /> Exclusive: one task at a time (one account, one login)
      </label>
      {error && <p className="error" role="alert">{error}</p>}
      <button type="submit" className="primary" disabled={busy || !name.trim() || !value}>
        Add secret
      </button>
    </form>
  );
}

/** Global, or limited to desktops (by id or label) and/or schedules. */
function ScopeEditor({ value, onChange }: { value: Scope; onChange: (s: Scope) => void }) {
  const { desktops } = useFleet();
  const group = useId();
  const [schedules, setSchedules] = useState<{ id: string; name: string }[]>([]);
  useEffect(() => {
    call(api.schedules.$get())
      .then((r) => setSchedules(r.items.map((s) => ({ id: s.id, name: s.name }))))
      .catch(() => setSchedules([]));
  }, []);
  const limited = value === "global" ? null : value;
  const [labels, setLabels] = useState((limited?.labels ?? []).join(", "));
  const set = (patch: Partial<Exclude<Scope, "global">>) => onChange({ ...(limited ?? {}), ...patch });
  const toggle = (list: string[] | undefined, id: string, on: boolean) => (on ? [...(list ?? []), id] : (list ?? []).filter((x) => x !== id));

  return (
    <fieldset className="secret-scope">
      <legend>Where it may be used</legend>
      <label className="radio">
        <input type="radio" name={group} checked={limited === null} onChange={() => onChange("global")} /> Everywhere
      </label>
      <label className="radio">
        <input type="radio" name={group} checked={limited !== null} onChange={() => onChange({ desktops: desktops[0] ? [desktops[0].id] : [] })} /> Only on some desktops or schedules
      </label>
      {limited && (
        <>
          <div role="group" aria-label="Desktops">
            {desktops.map((d) => (
              <label key={d.id} className="checkbox">
                <input type="checkbox" checked={limited.desktops?.includes(d.id) ?? false} onChange={(e) => set({ desktops: toggle(limited.desktops, d.id, e.target.checked) })} /> {d.name}
              </label>
            ))}
          </div>
          <Field label="Or desktops with any of these labels">
            {(p) => (
              <input
                {...p}
                value={labels}
                onChange={(e) => {
                  setLabels(e.target.value);
                  set({ labels: parseLabels(e.target.value) });
                }}
                placeholder="finance, eu"
              />
            )}
          </Field>
          {schedules.length > 0 && (
            <div role="group" aria-label="Schedules">
              <p className="muted small">And only for runs of:</p>
              {schedules.map((s) => (
                <label key={s.id} className="checkbox">
                  <input type="checkbox" checked={limited.schedules?.includes(s.id) ?? false} onChange={(e) => set({ schedules: toggle(limited.schedules, s.id, e.target.checked) })} /> {s.name}
                </label>
              ))}
            </div>
          )}
        </>
      )}
    </fieldset>
  );
}

function SecretCard({ secret: s, canManage, onChanged }: { secret: Secret; canManage: boolean; onChanged: () => void }) {
  const [mode, setMode] = useState<"view" | "rotate" | "edit">("view");
  const [releases, setReleases] = useState<Release[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const remove = async () => {
    if (!window.confirm(`Delete secret “${s.name}”? Tasks can no longer type it.`)) return;
    try {
      await call(api.secrets[":name"].$delete({ param: { name: s.name } }));
      onChanged();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const showReleases = () =>
    call(api.secrets[":name"].releases.$get({ param: { name: s.name }, query: { limit: "20" } }))
      .then((r) => setReleases(r.items))
      .catch((e: unknown) => setError(errorMessage(e)));

  return (
    <article className="card small" aria-label={`Secret ${s.name}`}>
      <p>
        <strong>
          <code>{s.name}</code>
        </strong>{" "}
        · {s.kind}
        {s.totp && <span className="muted"> ({s.totp.digits} digits, {s.totp.period} s, {s.totp.algorithm})</span>}
        {s.exclusive && <span> · exclusive</span>} · {scopeText(s.scope)}
      </p>
      {s.description && <p className="muted">{s.description}</p>}
      <p className="muted small">
        Added {dateTime(s.createdAt)} by {s.createdBy}
        {s.rotatedAt && ` · rotated ${timeAgo(s.rotatedAt)} by ${s.rotatedBy ?? "?"}`} · last used{" "}
        {s.lastUsedAt ? (
          <>
            {timeAgo(s.lastUsedAt)}
            {s.lastUsedTaskId ? (
              <>
                {" "}
                by <Link to={`/tasks/${s.lastUsedTaskId}`}>{s.lastUsedTaskId}</Link>
              </>
            ) : (
              ` by ${s.lastUsedBy ?? "?"}`
            )}
            {s.lastUsedDesktopId && ` on ${s.lastUsedDesktopId}`}
          </>
        ) : (
          "never"
        )}
      </p>
      {canManage && mode === "view" && (
        <div className="row">
          <button type="button" className="small" onClick={() => setMode("rotate")} aria-label={`Rotate ${s.name}`}>
            Rotate
          </button>
          <button type="button" className="small" onClick={() => setMode("edit")} aria-label={`Edit ${s.name}`}>
            Edit scope
          </button>
          <button type="button" className="small ghost" onClick={() => void showReleases()} aria-label={`Uses of ${s.name}`}>
            Uses
          </button>
          <button type="button" className="danger small" onClick={() => void remove()} aria-label={`Delete ${s.name}`}>
            Delete
          </button>
        </div>
      )}
      {mode === "rotate" && <RotateForm name={s.name} onDone={(changed) => { setMode("view"); if (changed) onChanged(); }} />}
      {mode === "edit" && <EditForm secret={s} onDone={(changed) => { setMode("view"); if (changed) onChanged(); }} />}
      {releases && (
        <ul className="plain-list small" aria-label={`Uses of ${s.name}`}>
          {releases.length === 0 && <li className="muted">Never released to a desktop.</li>}
          {releases.map((r) => (
            <li key={`${r.at}-${r.actor}`}>
              {dateTime(r.at)} · {r.via} · {r.taskId ? <Link to={`/tasks/${r.taskId}`}>{r.taskId}</Link> : r.actor}
              {r.desktopId && ` on ${r.desktopId}`}
            </li>
          ))}
        </ul>
      )}
      {error && <p className="error" role="alert">{error}</p>}
    </article>
  );
}

function RotateForm({ name, onDone }: { name: string; onDone: (changed: boolean) => void }) {
  const [value, setValue] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await call(api.secrets[":name"].$put({ param: { name }, json: { value } }));
      setValue("");
      onDone(true);
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <form className="row" onSubmit={submit} aria-label={`Rotate ${name}`}>
      <label className="visually-hidden" htmlFor={`rotate-${name}`}>
        New value for {name}
      </label>
      <input id={`rotate-${name}`} type="password" autoComplete="new-password" value={value} onChange={(e) => setValue(e.target.value)} placeholder="New value (write-only)" required />
      <button type="submit" className="primary" disabled={!value}>
        Save new value
      </button>
      <button type="button" className="ghost" onClick={() => onDone(false)}>
        Cancel
      </button>
      {error && <p className="error" role="alert">{error}</p>}
    </form>
  );
}

function EditForm({ secret: s, onDone }: { secret: Secret; onDone: (changed: boolean) => void }) {
  const [description, setDescription] = useState(s.description);
  const [scope, setScope] = useState<Scope>(s.scope);
  const [exclusive, setExclusive] = useState(s.exclusive);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await call(api.secrets[":name"].$put({ param: { name: s.name }, json: { description: description.trim(), scope, exclusive } }));
      onDone(true);
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <form className="form" onSubmit={submit} aria-label={`Edit ${s.name}`}>
      <Field label="Description">{(p) => <input {...p} value={description} onChange={(e) => setDescription(e.target.value)} maxLength={500} />}</Field>
      <ScopeEditor value={scope} onChange={setScope} />
      <label className="checkbox">
        <input type="checkbox" checked={exclusive} onChange={(e) => setExclusive(e.target.checked)} /> Exclusive: one task at a time
      </label>
      <div className="row">
        <button type="submit" className="primary">
          Save
        </button>
        <button type="button" className="ghost" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
    </form>
  );
}
