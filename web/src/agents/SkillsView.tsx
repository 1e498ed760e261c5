import { useEffect, useState, type FormEvent } from "react";
import { api } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";
import { Link } from "../app/Link.tsx";
import { navigate } from "../app/router.ts";
import { useCan } from "../auth/session.ts";
import { Field } from "../ui/Field.tsx";
import type { Skill } from "./types.ts";

/** Every skill, the agents that carry it, and (for admins) a form for a new one. */
export function SkillsView() {
  const isAdmin = useCan("admin");
  const [skills, setSkills] = useState<Skill[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call(api.skills.$get())
      .then((r) => setSkills(r.items))
      .catch((e: unknown) => setError(errorMessage(e)));
  }, []);
  return (
    <section aria-labelledby="skills-title">
      <header className="page-head">
        <div>
          <h1 id="skills-title">Skills</h1>
          <p className="muted small">
            Markdown know-how: attach it to <Link to="/agents">agents</Link>, or to one task by writing <code>@skill:name</code> in its prompt. Every change is a version.
          </p>
        </div>
      </header>
      {error && <p className="error" role="alert">{error}</p>}
      {skills && skills.length === 0 && <p className="muted empty">No skills yet.</p>}
      <ul className="plain-list" aria-label="Skills">
        {skills?.map((s) => (
          <li key={s.name} className="card">
            <Link to={`/skills/${s.name}`}>
              <strong>{s.name}</strong>
            </Link>{" "}
            <span className="muted small">
              v{s.version}
              {s.usedBy.length > 0 && ` · carried by ${s.usedBy.map((a) => `@${a}`).join(", ")}`}
            </span>
            <p className="small">{s.description}</p>
          </li>
        ))}
      </ul>
      {isAdmin && <NewSkill />}
    </section>
  );
}

function NewSkill() {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [body, setBody] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const skill = await call(api.skills.$post({ json: { name: name.trim(), description: description.trim(), body: body.trim() } }));
      navigate(`/skills/${skill.name}`);
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <form className="card form" onSubmit={submit} aria-label="New skill">
      <h2>New skill</h2>
      <Field label="Name" hint="Lowercase letters, digits and dashes; prompts name it as @skill:name.">
        {(p) => <input {...p} required value={name} onChange={(e) => setName(e.target.value.toLowerCase())} placeholder="cookie-walls" spellCheck={false} />}
      </Field>
      <Field label="Description">{(p) => <input {...p} required value={description} onChange={(e) => setDescription(e.target.value)} placeholder="Getting past cookie consent walls" />}</Field>
      <Field label="Instructions (markdown)">{(p) => <textarea {...p} required rows={8} value={body} onChange={(e) => setBody(e.target.value)} />}</Field>
      {error && <p className="error" role="alert">{error}</p>}
      <button type="submit" className="primary" disabled={!name.trim() || !description.trim() || !body.trim()}>
        Create skill
      </button>
    </form>
  );
}
