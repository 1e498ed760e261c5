import { useCallback, useEffect, useState } from "react";
import type { InferResponseType } from "hono/client";
import { api } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";
import { Link } from "../app/Link.tsx";
import { useCan } from "../auth/session.ts";
import { dateTime } from "../ui/format.ts";
import { PromptDiff } from "../ui/PromptDiff.tsx";
import { inZone } from "./next-runs.ts";
import { ScheduleForm } from "./ScheduleForm.tsx";
import { timingWords } from "./SchedulesView.tsx";
import type { Schedule } from "./types.ts";

type Version = InferResponseType<(typeof api.schedules)[":id"]["prompt-versions"]["$get"], 200>["items"][number];

/** One schedule: edit it, see each prompt version's change against the current one, roll back. */
export function ScheduleDetail({ id }: { id: string }) {
  const canEdit = useCan("operator");
  const [schedule, setSchedule] = useState<Schedule | null>(null);
  const [versions, setVersions] = useState<Version[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const load = useCallback(() => {
    call(api.schedules[":id"].$get({ param: { id } }))
      .then(setSchedule)
      .catch((e: unknown) => setError(errorMessage(e)));
    call(api.schedules[":id"]["prompt-versions"].$get({ param: { id } }))
      .then((r) => setVersions(r.items))
      .catch(() => undefined);
  }, [id]);
  useEffect(load, [load]);

  if (!schedule) return error ? <p className="error" role="alert">{error}</p> : <p className="muted">Loading…</p>;
  const current = versions.find((v) => v.current);
  return (
    <section aria-labelledby="schedule-title">
      <header className="page-head">
        <div>
          <h1 id="schedule-title">{schedule.name}</h1>
          <p className="muted small">
            {timingWords(schedule)} · {schedule.enabled ? (schedule.nextRunAt ? `next ${inZone(schedule.nextRunAt, schedule.timezone)} (${schedule.timezone})` : "no runs ahead") : "disabled"}
            {schedule.lastTaskId && (
              <>
                {" "}
                · <Link to={`/tasks/${schedule.lastTaskId}`}>last run</Link>
              </>
            )}
            {" "}· <Link to="/schedules">all schedules</Link>
          </p>
        </div>
      </header>
      {saved && <p role="status">Saved.</p>}
      {canEdit && (
        <ScheduleForm
          key={`${schedule.updatedAt}`}
          initial={schedule}
          submitLabel="Save changes"
          onSubmit={async (json) => {
            setSchedule(await call(api.schedules[":id"].$patch({ param: { id }, json })));
            setSaved(true);
            load();
          }}
        />
      )}
      <h2>Prompt versions</h2>
      <ol className="plain-list" aria-label="Prompt versions">
        {versions.map((v) => (
          <li key={v.version} className="card">
            <p className="small">
              <strong>v{v.version}</strong>
              {v.current && " (current)"} · {dateTime(v.createdAt)} · {v.author}
              {v.reason && ` — ${v.reason}`}
            </p>
            {!v.current && current && (
              <PromptDiff before={v.prompt} after={current.prompt} label={`Changes from v${v.version} to the current prompt`} />
            )}
            {v.current && <div className="diff">{v.prompt}</div>}
            {canEdit && !v.current && (
              <button
                type="button"
                className="small"
                onClick={() =>
                  void call(api.schedules[":id"]["prompt-versions"][":version"].rollback.$post({ param: { id, version: String(v.version) } }))
                    .then(load)
                    .catch((e: unknown) => setError(errorMessage(e)))
                }
              >
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
