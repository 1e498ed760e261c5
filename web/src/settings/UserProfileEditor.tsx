import { useEffect, useState, type FormEvent } from "react";
import { api } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";
import { useCan } from "../auth/session.ts";
import { Field } from "../ui/Field.tsx";
import { dateTime } from "../ui/format.ts";

/** "About the people this fleet works for": in every agent's prompt and the supervisor's. */
export function UserProfileEditor() {
  const canEdit = useCan("operator");
  const [text, setText] = useState("");
  const [meta, setMeta] = useState<{ updatedBy: string | null; updatedAt: number | null }>({ updatedBy: null, updatedAt: null });
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call(api.settings["user-profile"].$get())
      .then((p) => (setText(p.text), setMeta(p)))
      .catch((e: unknown) => setError(errorMessage(e)));
  }, []);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const p = await call(api.settings["user-profile"].$put({ json: { text } }));
      setMeta(p);
      setStatus("Saved. Tasks assigned from now on get it.");
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <form className="card form" onSubmit={save} aria-labelledby="profile-title">
      <h2 id="profile-title">About the people this fleet works for</h2>
      <Field
        label="User profile"
        hint={`Names, time zone, preferences. Every agent and the supervisor read it; you can also tell the supervisor.${meta.updatedAt ? ` Last changed ${dateTime(meta.updatedAt)} by ${meta.updatedBy ?? "someone"}.` : ""}`}
      >
        {(p) => <textarea {...p} rows={6} maxLength={10000} value={text} readOnly={!canEdit} onChange={(e) => (setText(e.target.value), setStatus(null))} placeholder="Ada Lovelace runs the office; time zone Europe/London. Invoices as PDF, never images." />}
      </Field>
      {error && <p className="error" role="alert">{error}</p>}
      {status && <p role="status">{status}</p>}
      {canEdit && (
        <button type="submit" className="primary">
          Save profile
        </button>
      )}
    </form>
  );
}
