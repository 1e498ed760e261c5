import { useCallback, useEffect, useState } from "react";
import { api } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";
import { Link } from "../app/Link.tsx";
import { useCan } from "../auth/session.ts";
import { dateTime, duration, usd } from "../ui/format.ts";
import { replaySummaryText } from "../tasks/transcript.ts";
import { originText, stepText, trajectoryImageUrl, type ScheduleTrajectory } from "./trajectory-view.ts";

/**
 * A schedule's recorded trajectory: the steps a run replays (with the screen
 * before each), how each recent run went (replayed, moved, repaired, cost,
 * time), every version, and "forget this trajectory".
 */
export function TrajectoryTab({ id }: { id: string }) {
  const canForget = useCan("operator");
  const [data, setData] = useState<ScheduleTrajectory | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const load = useCallback(() => {
    call(api.schedules[":id"].trajectory.$get({ param: { id } }))
      .then(setData)
      .catch((e: unknown) => setError(errorMessage(e)));
  }, [id]);
  useEffect(load, [load]);

  const forget = () =>
    call(api.schedules[":id"].trajectory.$delete({ param: { id } }))
      .then(() => {
        setConfirming(false);
        load();
      })
      .catch((e: unknown) => setError(errorMessage(e)));

  if (!data) return error ? <p className="error" role="alert">{error}</p> : <p className="muted">Loading…</p>;
  const { current } = data;
  return (
    <div aria-label="Trajectory">
      <p className="small">
        Replay is <strong>{data.replay}</strong>
        {data.replay === "auto" ? ": a run replays the latest good trajectory without the model, and calls the model only from the first step whose screen does not match." : ": every run asks the model."}
      </p>
      {current ? (
        <section className="card">
          <p className="small">
            <strong>Version {current.version}</strong> ({current.origin === "model" ? "recorded from the model's run" : current.origin === "repair" ? "repaired by the model" : current.origin === "replay" ? "a replay whose targets moved" : "a person's demonstration"})
            {current.sourceTaskId && (
              <>
                {" "}from <Link to={`/tasks/${current.sourceTaskId}`}>{current.sourceTaskId}</Link>
              </>
            )}{" "}
            · {dateTime(current.createdAt)} · {current.stepCount} steps · {current.modelCalls} model calls · {usd(current.costUsd)} · {duration(current.wallMs)}
          </p>
          {canForget &&
            (confirming ? (
              <p className="row">
                <span className="small">The next run will ask the model and record a new trajectory.</span>
                <button type="button" className="danger small" onClick={() => void forget()}>
                  Forget it
                </button>
                <button type="button" className="small" onClick={() => setConfirming(false)}>
                  Keep it
                </button>
              </p>
            ) : (
              <button type="button" className="small" onClick={() => setConfirming(true)}>
                Forget this trajectory
              </button>
            ))}
          <ol className="plain-list trajectory-steps" aria-label="Steps">
            {data.steps.map((s) => (
              <li key={s.index} className="row">
                <img src={trajectoryImageUrl(current.id, s.thumb)} alt={`The screen before step ${s.index}`} width={128} loading="lazy" style={{ imageRendering: "pixelated" }} />
                <span>
                  <strong>{s.index}.</strong> {stepText(s.action)} <span className="muted small">— {originText(s)}</span>
                </span>
              </li>
            ))}
          </ol>
        </section>
      ) : (
        <p className="muted">No trajectory yet: the next run that completes is recorded.</p>
      )}

      <h2>Runs</h2>
      {data.runs.length === 0 ? (
        <p className="muted">No runs yet.</p>
      ) : (
        <table className="small" aria-label="Runs">
          <thead>
            <tr>
              <th>Run</th>
              <th>Status</th>
              <th>How</th>
              <th>Cost</th>
              <th>Time</th>
            </tr>
          </thead>
          <tbody>
            {data.runs.map((r) => (
              <tr key={r.taskId}>
                <td>
                  <Link to={`/tasks/${r.taskId}`}>{dateTime(r.createdAt)}</Link>
                </td>
                <td>{r.status}</td>
                <td>{r.replay ? replaySummaryText(r.replay) : "the model, without a trajectory"}</td>
                <td>{usd(r.costUsd)}</td>
                <td>{r.wallMs === null ? "—" : duration(r.wallMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Versions</h2>
      <ol className="plain-list" aria-label="Trajectory versions">
        {data.versions.map((v) => (
          <li key={v.id} className="small">
            v{v.version} · {v.origin} · {dateTime(v.createdAt)} · {v.stepCount} steps · {v.modelCalls} model calls · {usd(v.costUsd)}
            {v.promptVersion !== null && ` · prompt v${v.promptVersion}`}
            {v.forgottenAt !== null && ` · forgotten ${dateTime(v.forgottenAt)}`}
            {current?.id === v.id && " (replayed now)"}
          </li>
        ))}
      </ol>
      {error && <p className="error" role="alert">{error}</p>}
    </div>
  );
}
