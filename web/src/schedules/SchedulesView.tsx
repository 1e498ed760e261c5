import { useCallback, useEffect, useState } from "react";
import { api } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";
import { Link } from "../app/Link.tsx";
import { navigate } from "../app/router.ts";
import { useCan } from "../auth/session.ts";
import { StatusPill } from "../ui/StatusPill.tsx";
import { describeCron } from "./cron-words.ts";
import { inZone } from "./next-runs.ts";
import { ScheduleForm } from "./ScheduleForm.tsx";
import type { Schedule } from "./types.ts";

export const timingWords = (s: Schedule): string =>
  s.kind === "cron" ? `${describeCron(s.cron ?? "") || s.cron} (${s.cron})` : s.kind === "interval" ? `every ${s.intervalMinutes} minutes` : `once, ${s.runAt ? inZone(s.runAt, s.timezone) : ""}`;

/** Every schedule with its next run; create, enable/disable and run now. */
export function SchedulesView() {
  const canEdit = useCan("operator");
  const [items, setItems] = useState<Schedule[] | null>(null);
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    call(api.schedules.$get())
      .then((r) => setItems(r.items))
      .catch((e: unknown) => setError(errorMessage(e)));
  }, []);
  useEffect(load, [load]);

  const act = (p: Promise<unknown>) => p.then(load).catch((e: unknown) => setError(errorMessage(e)));

  return (
    <section aria-labelledby="schedules-title">
      <header className="page-head">
        <h1 id="schedules-title">Schedules</h1>
        {canEdit && !creating && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            New schedule
          </button>
        )}
      </header>
      {creating && (
        <ScheduleForm
          submitLabel="Create schedule"
          onSubmit={async (json) => {
            const s = await call(api.schedules.$post({ json }));
            navigate(`/schedules/${s.id}`);
          }}
        />
      )}
      {error && <p className="error" role="alert">{error}</p>}
      {items && items.length === 0 && !creating && <p className="muted">No schedules yet.</p>}
      <ul className="history" aria-label="Schedules">
        {items?.map((s) => (
          <li key={s.id} className="history-item schedule-row">
            <Link to={`/schedules/${s.id}`} className="task-row">
              <span className="clip">
                <strong>{s.name}</strong> <span className="muted">— {timingWords(s)}</span>
              </span>
              <span className="muted small">
                {s.enabled ? (s.nextRunAt ? `next ${inZone(s.nextRunAt, s.timezone)} (${s.timezone})` : "no runs ahead") : "disabled"} · {s.runCount} runs
              </span>
              {s.lastStatus ? <StatusPill status={s.lastStatus} /> : <span />}
            </Link>
            {canEdit && (
              <div className="row schedule-actions">
                <button type="button" className="small" onClick={() => void act(call(api.schedules[":id"].$patch({ param: { id: s.id }, json: { enabled: !s.enabled } })))}>
                  {s.enabled ? "Disable" : "Enable"}
                </button>
                <button type="button" className="small" onClick={() => void act(call(api.schedules[":id"].trigger.$post({ param: { id: s.id } })).then((t) => navigate(`/tasks/${t.id}`)))}>
                  Run now
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
