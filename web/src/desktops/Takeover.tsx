import { useCallback, useEffect, useState } from "react";
import type { InferResponseType } from "hono/client";
import { api } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";
import { useSession } from "../auth/session.ts";

type Lease = InferResponseType<(typeof api.desktops)[":id"]["takeover"]["$get"], 200>["lease"];
type HandedBack = InferResponseType<(typeof api.desktops)[":id"]["handback"]["$post"], 200>;
type ScheduleChoice = { id: string; name: string };

/** Who holds a desktop's control lease, and the take over / hand back buttons. */
export function useTakeover(desktopId: string) {
  const me = useSession().info.identity.id;
  const [lease, setLease] = useState<Lease>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const refresh = useCallback(() => {
    call(api.desktops[":id"].takeover.$get({ param: { id: desktopId } }))
      .then((r) => setLease(r.lease))
      .catch(() => undefined);
  }, [desktopId]);
  useEffect(() => {
    refresh();
    const t = setInterval(refresh, 10_000); // the lease lapses after the holder's inactivity
    return () => clearInterval(t);
  }, [refresh]);
  const run = (p: Promise<unknown>) =>
    p.then(() => (setError(null), refresh())).catch((e: unknown) => setError(errorMessage(e)));
  return {
    lease,
    error,
    /** What became of a demonstration saved on the last hand-back. */
    saved,
    mine: lease?.holder.id === me,
    takeOver: () => (setSaved(null), run(call(api.desktops[":id"].takeover.$post({ param: { id: desktopId } })))),
    /** With `demonstration`, what the person did is saved to a schedule (null: the paused task's). */
    handBack: (demonstration?: { scheduleId: string | null }) =>
      run(
        call(api.desktops[":id"].handback.$post({
          param: { id: desktopId },
          json: demonstration ? { demonstration: demonstration.scheduleId ? { scheduleId: demonstration.scheduleId } : {} } : {},
        })).then((r: HandedBack) => setSaved(demonstrationWords(r))),
      ),
  };
}

/** "Saved as demonstration v3 of the schedule (12 steps)", or why nothing was saved; null without one. */
export function demonstrationWords(r: HandedBack): string | null {
  const d = r.demonstration;
  if (!d) return null;
  return d.saved ? `Saved as demonstration v${d.version} of the schedule (${d.steps} steps): its next run replays what you did.` : `Nothing saved as a demonstration: ${d.reason ?? "nothing was recorded"}.`;
}

export function TakeoverControls({ t, canOperate }: { t: ReturnType<typeof useTakeover>; canOperate: boolean }) {
  const [demo, setDemo] = useState(false);
  const [scheduleId, setScheduleId] = useState<string>("");
  const [schedules, setSchedules] = useState<ScheduleChoice[]>([]);
  useEffect(() => {
    if (!demo || schedules.length > 0) return;
    call(api.schedules.$get())
      .then((r) => setSchedules(r.items.map((s) => ({ id: s.id, name: s.name }))))
      .catch(() => undefined);
  }, [demo, schedules.length]);
  return (
    <div className="takeover" role="group" aria-label="Control">
      {t.lease && !t.mine && <span className="muted small">{t.lease.holder.name} has taken over</span>}
      {t.mine && <span className="pill pill-busy">You have control{t.lease?.pausedTaskId ? " · task paused" : ""}</span>}
      {canOperate && !t.lease && (
        <button type="button" onClick={() => void t.takeOver()}>
          Take over
        </button>
      )}
      {canOperate && t.mine && (
        <>
          <label className="small">
            <input type="checkbox" checked={demo} onChange={(e) => setDemo(e.target.checked)} /> Save as demonstration
          </label>
          {demo && (
            <select aria-label="Schedule to teach" value={scheduleId} onChange={(e) => setScheduleId(e.target.value)}>
              <option value="">{t.lease?.pausedTaskId ? "The paused task's schedule" : "Pick a schedule"}</option>
              {schedules.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          )}
          <button type="button" className="primary" onClick={() => void t.handBack(demo ? { scheduleId: scheduleId || null } : undefined)}>
            Hand back
          </button>
        </>
      )}
      {t.saved && <span className="small" role="status">{t.saved}</span>}
      {t.error && <span className="error" role="alert">{t.error}</span>}
    </div>
  );
}
