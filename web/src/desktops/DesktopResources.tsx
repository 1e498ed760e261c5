import { useEffect, useState } from "react";
import type { InferResponseType } from "hono/client";
import { api } from "../api/client.ts";
import { call } from "../api/request.ts";
import { timeAgo } from "../ui/format.ts";

type Reply = InferResponseType<(typeof api.desktops)[":id"]["resources"]["$get"], 200>;
type Figures = NonNullable<Reply["resources"]>;

/** Hosts send figures with each heartbeat (every 10 s); asking more often shows nothing new. */
const POLL_MS = 10_000;

export const bytes = (n: number): string => (n >= 1e9 ? `${(n / 1e9).toFixed(1)} GB` : `${Math.round(n / 1e6)} MB`);
/** CPU as cores in use, so a desktop using half a core of a 2-core machine reads "0.5 of 2 cores". */
export const cores = (cpuPercent: number, of: number): string => `${(cpuPercent / 100).toFixed(cpuPercent < 100 ? 2 : 1)} of ${of} core${of === 1 ? "" : "s"}`;

/** The desktop's CPU and memory as its host last measured them; polled while the page is open. */
export function DesktopResources({ desktopId }: { desktopId: string }) {
  const [reply, setReply] = useState<Reply | null>(null);
  useEffect(() => {
    let live = true;
    const refresh = () =>
      call(api.desktops[":id"].resources.$get({ param: { id: desktopId } }))
        .then((r) => live && setReply(r))
        .catch(() => undefined); // the figures are a nicety: the next poll tries again
    refresh();
    const t = setInterval(refresh, POLL_MS);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [desktopId]);
  if (!reply?.connected) return null;
  return (
    <p className="muted small" aria-label="Resources">
      {reply.resources ? <Line figures={reply.resources} /> : "CPU and memory: not reported by this desktop's host"}
    </p>
  );
}

function Line({ figures: f }: { figures: Figures }) {
  const what = f.scope === "desktop" ? "This desktop's processes" : "Its machine";
  return (
    <>
      {what}: CPU {cores(f.cpuPercent, f.cpus)} · memory {bytes(f.memoryBytes)} of {bytes(f.machineMemoryBytes)} · measured {timeAgo(f.at)}
    </>
  );
}
