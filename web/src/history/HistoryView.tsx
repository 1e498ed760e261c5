import { useEffect, useState, type FormEvent } from "react";
import type { InferRequestType } from "hono/client";
import { api } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";
import { Link } from "../app/Link.tsx";
import { useFleet } from "../live/FleetProvider.tsx";
import { targetText, type Task } from "../tasks/types.ts";
import { StatusPill } from "../ui/StatusPill.tsx";
import { dateTime, usd } from "../ui/format.ts";
import { chainTasks } from "./chains.ts";

type Query = InferRequestType<typeof api.tasks.$get>["query"];
type Filters = { q: string; status: string; desktopId: string; source: string; agent: string };

const STATUSES = ["queued", "assigned", "running", "waiting_for_human", "completed", "failed", "cancelled"] as const;
const SOURCES = ["api", "dashboard", "telegram", "scheduler", "supervisor", "healer", "optimizer"] as const;
const PAGE_SIZE = 25;

/** Every task, newest first: full-text search, filters, and pages that stay stable while new tasks arrive. */
export function HistoryView({ pageSize = PAGE_SIZE }: { pageSize?: number }) {
  const { desktops, taskStatus } = useFleet();
  // `?agent=` comes from an agent's page ("its tasks").
  const [draft, setDraft] = useState<Filters>(() => ({ q: "", status: "", desktopId: "", source: "", agent: new URLSearchParams(window.location.search).get("agent") ?? "" }));
  const [filters, setFilters] = useState<Filters>(draft);
  // cursors[i] is the cursor that fetched page i (undefined for the first).
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<{ items: Task[]; nextCursor: string | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const cursor = cursors.at(-1);
  const liveTick = Object.keys(taskStatus).length;

  useEffect(() => {
    const query: Query = { limit: String(pageSize) };
    if (filters.q.trim()) query.q = filters.q.trim();
    if (filters.status) query.status = filters.status as NonNullable<Query["status"]>;
    if (filters.desktopId) query.desktopId = filters.desktopId;
    if (filters.source) query.source = filters.source as NonNullable<Query["source"]>;
    if (filters.agent.trim()) query.agent = filters.agent.trim().replace(/^@/, "").toLowerCase();
    if (cursor) query.cursor = cursor;
    let stale = false;
    call(api.tasks.$get({ query }))
      .then((r) => !stale && (setPage(r), setError(null)))
      .catch((e: unknown) => !stale && setError(errorMessage(e)));
    return () => {
      stale = true;
    };
    // The first page follows live task changes; older pages stay put.
  }, [filters, cursor, pageSize, cursors.length === 1 ? liveTick : 0]);

  const search = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
    setCursors([undefined]);
  };

  return (
    <section aria-labelledby="history-title">
      <h1 id="history-title">History</h1>
      <form className="filters" role="search" onSubmit={search}>
        <input type="search" aria-label="Search tasks" placeholder="Search prompts, the agent's words, results…" value={draft.q} onChange={(e) => setDraft({ ...draft, q: e.target.value })} />
        <select aria-label="Status" value={draft.status} onChange={(e) => setDraft({ ...draft, status: e.target.value })}>
          <option value="">Any status</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s.replaceAll("_", " ")}
            </option>
          ))}
        </select>
        <select aria-label="Desktop" value={draft.desktopId} onChange={(e) => setDraft({ ...draft, desktopId: e.target.value })}>
          <option value="">Any desktop</option>
          {desktops.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </select>
        <select aria-label="Source" value={draft.source} onChange={(e) => setDraft({ ...draft, source: e.target.value })}>
          <option value="">Any source</option>
          {SOURCES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <input aria-label="Agent" placeholder="Any agent" value={draft.agent} onChange={(e) => setDraft({ ...draft, agent: e.target.value })} spellCheck={false} />
        <button type="submit" className="primary">
          Search
        </button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      {page && page.items.length === 0 && <p className="muted">No tasks match.</p>}
      {page && page.items.length > 0 && (
        <ol className="history" aria-label="Tasks">
          {chainTasks(page.items).map(({ head, retries }) => (
            <li key={head.id} className="history-item">
              <TaskRow task={head} />
              {retries.length > 0 && (
                <ol className="chain" aria-label={`Self-healing retries of ${head.id}`}>
                  {retries.map((r) => (
                    <li key={r.id}>
                      <TaskRow task={r} />
                    </li>
                  ))}
                </ol>
              )}
            </li>
          ))}
        </ol>
      )}
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={cursors.length === 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
          ← Newer
        </button>
        <span className="muted small">Page {cursors.length}</span>
        <button type="button" disabled={!page?.nextCursor} onClick={() => page?.nextCursor && setCursors((c) => [...c, page.nextCursor ?? undefined])}>
          Older →
        </button>
      </nav>
    </section>
  );
}

function TaskRow({ task }: { task: Task }) {
  return (
    <Link to={`/tasks/${task.id}`} className="task-row">
      <span className="task-row-prompt clip">
        {task.retryNumber > 0 && <span className="badge">retry {task.retryNumber}</span>} {task.prompt}
      </span>
      <span className="task-row-meta muted small">
        {dateTime(task.createdAt)} · {targetText(task)}
        {task.agent && ` · @${task.agent}`} · {task.source} · {task.steps} steps · {usd(task.usage.costUsd)}
      </span>
      <StatusPill status={task.status} />
    </Link>
  );
}
