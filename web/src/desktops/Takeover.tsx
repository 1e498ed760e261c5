import { useCallback, useEffect, useState } from "react";
import type { InferResponseType } from "hono/client";
import { api } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";
import { useSession } from "../auth/session.ts";

type Lease = InferResponseType<(typeof api.desktops)[":id"]["takeover"]["$get"], 200>["lease"];

/** Who holds a desktop's control lease, and the take over / hand back buttons. */
export function useTakeover(desktopId: string) {
  const me = useSession().info.identity.id;
  const [lease, setLease] = useState<Lease>(null);
  const [error, setError] = useState<string | null>(null);
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
    mine: lease?.holder.id === me,
    takeOver: () => run(call(api.desktops[":id"].takeover.$post({ param: { id: desktopId } }))),
    handBack: () => run(call(api.desktops[":id"].handback.$post({ param: { id: desktopId }, json: {} }))),
  };
}

export function TakeoverControls({ t, canOperate }: { t: ReturnType<typeof useTakeover>; canOperate: boolean }) {
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
        <button type="button" className="primary" onClick={() => void t.handBack()}>
          Hand back
        </button>
      )}
      {t.error && <span className="error" role="alert">{t.error}</span>}
    </div>
  );
}
