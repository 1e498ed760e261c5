import { useCallback, useEffect, useState, type FormEvent } from "react";
import { api } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";
import { Link } from "../app/Link.tsx";
import { navigate } from "../app/router.ts";
import { useCan } from "../auth/session.ts";
import { diffWords } from "../ui/diff.ts";
import { Field } from "../ui/Field.tsx";
import { dateTime } from "../ui/format.ts";
import type { Skill, SkillVersion } from "./types.ts";

/** One skill: edit it (a new version), see each version's change against the current one, roll back, delete. */
export function SkillDetail({ name }: { name: string }) {
  const canEdit = useCan("admin");
  const [skill, setSkill] = useState<Skill | null>(null);
  const [versions, setVersions] = useState<SkillVersion[]>([]);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    call(api.skills[":name"].$get({ param: { name } }))
      .then(setSkill)
      .catch((e: unknown) => setError(errorMessage(e)));
    call(api.skills[":name"].versions.$get({ param: { name } }))
      .then((r) => setVersions(r.items))
      .catch(() => undefined);
  }, [name]);
  useEffect(load, [load]);

  if (!skill) return error ? <p className="error" role="alert">{error}</p> : <p className="muted">Loading…</p>;
  const current = versions.find((v) => v.current);
  const act = (work: Promise<unknown>) => void work.then(load).catch((e: unknown) => setError(errorMessage(e)));
  return (
    <section aria-labelledby="skill-title">
      <header className="page-head">
        <div>
          <h1 id="skill-title">{skill.name}</h1>
          <p className="muted small">
            v{skill.version} · {skill.usedBy.length ? `carried by ${skill.usedBy.map((a) => `@${a}`).join(", ")}` : "no agent carries it"} · <Link to="/skills">all skills</Link>
          </p>
        </div>
        {canEdit && (
          <button
            type="button"
            className="danger"
            onClick={() => {
              if (!window.confirm(`Delete skill ${skill.name} and its history?`)) return;
              void call(api.skills[":name"].$delete({ param: { name } }))
                .then(() => navigate("/skills"))
                .catch((e: unknown) => setError(errorMessage(e)));
            }}
          >
            Delete
          </button>
        )}
      </header>
      {canEdit ? <SkillForm key={skill.version} skill={skill} onSaved={load} /> : <pre className="diff">{skill.body}</pre>}
      <h2>Versions</h2>
      <ol className="plain-list" aria-label="Versions">
        {versions.map((v) => (
          <li key={v.version} className="card">
            <p className="small">
              <strong>v{v.version}</strong>
              {v.current && " (current)"} · {dateTime(v.createdAt)} · {v.author}
              {v.reason && ` — ${v.reason}`}
            </p>
            {!v.current && current && (
              <div className="diff" aria-label={`Changes from v${v.version} to the current version`}>
                {diffWords(`${v.description}\n\n${v.body}`, `${current.description}\n\n${current.body}`).map((p, i) =>
                  p.kind === "same" ? <span key={i}>{p.text}</span> : p.kind === "added" ? <ins key={i}>{p.text}</ins> : <del key={i}>{p.text}</del>,
                )}
              </div>
            )}
            {canEdit && !v.current && (
              <button type="button" className="small" onClick={() => act(call(api.skills[":name"].versions[":version"].rollback.$post({ param: { name, version: String(v.version) } })))}>
                Roll back to v{v.version}
              </button>
            )}
          </li>
        ))}
      </ol>
      {error && <p className="error" role="alert">{error}</p>}
    </section>
  );
}

function SkillForm({ skill, onSaved }: { skill: Skill; onSaved: () => void }) {
  const [description, setDescription] = useState(skill.description);
  const [body, setBody] = useState(skill.body);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await call(api.skills[":name"].$patch({ param: { name: skill.name }, json: { description: description.trim(), body: body.trim(), ...(reason.trim() ? { reason: reason.trim() } : {}) } }));
      onSaved();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <form className="card form" onSubmit={submit} aria-label="Edit skill">
      <Field label="Description">{(p) => <input {...p} required value={description} onChange={(e) => setDescription(e.target.value)} />}</Field>
      <Field label="Instructions (markdown)">{(p) => <textarea {...p} required rows={10} value={body} onChange={(e) => setBody(e.target.value)} />}</Field>
      <Field label="Why it changed" hint="Kept with the new version.">
        {(p) => <input {...p} value={reason} onChange={(e) => setReason(e.target.value)} />}
      </Field>
      {error && <p className="error" role="alert">{error}</p>}
      <button type="submit" className="primary" disabled={description === skill.description && body === skill.body}>
        Save as v{skill.version + 1}
      </button>
    </form>
  );
}
