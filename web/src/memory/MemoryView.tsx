import { useCallback, useEffect, useState, type FormEvent } from "react";
import type { InferRequestType, InferResponseType } from "hono/client";
import { api } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";
import { useCan } from "../auth/session.ts";
import { Field } from "../ui/Field.tsx";
import { dateTime } from "../ui/format.ts";

type Memory = InferResponseType<typeof api.memories.$get, 200>["items"][number];
type Query = InferRequestType<typeof api.memories.$get>["query"];

const COLLECTIONS = ["sites", "users", "errors", "workflows"];

/**
 * Long-term memory: search it (best match first) or browse it (newest
 * first), forget what is wrong or unwanted; admins also add and edit.
 */
export function MemoryView() {
  const isAdmin = useCan("admin");
  const [draft, setDraft] = useState({ q: "", collection: "" });
  const [filters, setFilters] = useState(draft);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<{ items: Memory[]; nextCursor: string | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const cursor = cursors.at(-1);

  const load = useCallback(() => {
    const query: Query = { limit: "25" };
    if (filters.q.trim()) query.q = filters.q.trim();
    if (filters.collection.trim()) query.collection = filters.collection.trim();
    if (cursor && !query.q) query.cursor = cursor;
    call(api.memories.$get({ query }))
      .then((r) => (setPage(r), setError(null)))
      .catch((e: unknown) => setError(errorMessage(e)));
  }, [filters, cursor]);
  useEffect(load, [load]);

  const search = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
    setCursors([undefined]);
  };
  const forget = async (m: Memory) => {
    if (!window.confirm(`Forget this memory?\n\n${m.content}`)) return;
    try {
      await call(api.memories[":id"].$delete({ param: { id: m.id } }));
      load();
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  return (
    <section aria-labelledby="memory-title">
      <h1 id="memory-title">Memory</h1>
      <p className="muted small">What tasks, the supervisor and people taught the fleet: one insight each. New tasks start with the ones that fit their prompt.</p>
      <form className="filters memory-filters" role="search" onSubmit={search}>
        <input type="search" aria-label="Search memories" placeholder="Search: a site, an app, a person, a problem…" value={draft.q} onChange={(e) => setDraft({ ...draft, q: e.target.value })} />
        <input aria-label="Collection" list="memory-collections" placeholder="Any collection" value={draft.collection} onChange={(e) => setDraft({ ...draft, collection: e.target.value.toLowerCase() })} />
        <datalist id="memory-collections">
          {COLLECTIONS.map((c) => (
            <option key={c} value={c} />
          ))}
        </datalist>
        <button type="submit" className="primary">
          Search
        </button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      {page && page.items.length === 0 && <p className="muted empty">No memories{filters.q ? " match" : " yet"}.</p>}
      <ol className="plain-list" aria-label="Memories">
        {page?.items.map((m) => (
          <li key={m.id} className="card memory-item">
            <MemoryRow memory={m} canEdit={isAdmin} onChanged={load} />
            <button type="button" className="small danger" onClick={() => void forget(m)} aria-label={`Forget: ${m.content.slice(0, 60)}`}>
              Forget
            </button>
          </li>
        ))}
      </ol>
      {!filters.q && (
        <nav className="pager" aria-label="Pages">
          <button type="button" disabled={cursors.length === 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
            ← Newer
          </button>
          <button type="button" disabled={!page?.nextCursor} onClick={() => page?.nextCursor && setCursors((c) => [...c, page.nextCursor ?? undefined])}>
            Older →
          </button>
        </nav>
      )}
      {isAdmin && <NewMemory onSaved={load} />}
    </section>
  );
}

function MemoryRow({ memory: m, canEdit, onChanged }: { memory: Memory; canEdit: boolean; onChanged: () => void }) {
  const [editing, setEditing] = useState(false);
  const [content, setContent] = useState(m.content);
  const [error, setError] = useState<string | null>(null);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await call(api.memories[":id"].$patch({ param: { id: m.id }, json: { content: content.trim() } }));
      setEditing(false);
      onChanged();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <div>
      {editing ? (
        <form onSubmit={save} aria-label="Edit memory">
          <textarea aria-label="Memory" rows={3} value={content} onChange={(e) => setContent(e.target.value)} />
          {error && <p className="error" role="alert">{error}</p>}
          <button type="submit" className="small primary">
            Save
          </button>{" "}
          <button type="button" className="small" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <p className="memory-content">{m.content}</p>
      )}
      <p className="muted small">
        <span className="badge">{m.collection}</span>
        {m.agent ? `@${m.agent} only` : "every agent"} · {m.source} · {dateTime(m.createdAt)}
        {m.lastUsedAt && ` · last used ${dateTime(m.lastUsedAt)}`}
        {canEdit && !editing && (
          <>
            {" "}
            ·{" "}
            <button type="button" className="small ghost" onClick={() => setEditing(true)}>
              Edit
            </button>
          </>
        )}
      </p>
    </div>
  );
}

function NewMemory({ onSaved }: { onSaved: () => void }) {
  const [collection, setCollection] = useState("sites");
  const [content, setContent] = useState("");
  const [note, setNote] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const r = await call(api.memories.$post({ json: { collection: collection.trim(), content: content.trim() } }));
      setNote(r.duplicate ? "Already remembered." : "Saved.");
      setContent("");
      onSaved();
    } catch (err) {
      setNote(errorMessage(err));
    }
  };
  return (
    <form className="card form" onSubmit={submit} aria-label="Add a memory">
      <h2>Add a memory</h2>
      <div className="row">
        <Field label="Collection">{(p) => <input {...p} list="memory-collections" required value={collection} onChange={(e) => setCollection(e.target.value.toLowerCase())} />}</Field>
      </div>
      <Field label="Insight" hint="One thing worth knowing, self-contained: name the site or app. At most 4,000 characters.">
        {(p) => <textarea {...p} required rows={3} maxLength={4000} value={content} onChange={(e) => setContent(e.target.value)} />}
      </Field>
      {note && <p role="status">{note}</p>}
      <button type="submit" className="primary" disabled={!content.trim()}>
        Save
      </button>
    </form>
  );
}
