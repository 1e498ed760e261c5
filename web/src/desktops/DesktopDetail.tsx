import { Link } from "../app/Link.tsx";
import { useCan } from "../auth/session.ts";
import { useFleet } from "../live/FleetProvider.tsx";
import { useTaskPeek } from "../fleet/use-task-peek.ts";
import { screenshotUrl } from "../tasks/types.ts";
import { StatusPill } from "../ui/StatusPill.tsx";
import { timeAgo } from "../ui/format.ts";
import { DesktopResources } from "./DesktopResources.tsx";
import { HostCommand } from "./HostCommand.tsx";
import { HostRelease } from "./HostRelease.tsx";
import { LiveScreen } from "../vnc/LiveScreen.tsx";
import { TakeoverControls, useTakeover } from "./Takeover.tsx";
import { UnencryptedVncNote } from "./UnencryptedVnc.tsx";

/** One desktop, full size: its live screen with take over / hand back, what it is doing, and how to connect its host. */
export function DesktopDetail({ id }: { id: string }) {
  const { desktops, loaded } = useFleet();
  const desktop = desktops.find((d) => d.id === id);
  const peek = useTaskPeek(desktop?.currentTaskId ?? null);
  const isAdmin = useCan("admin");
  const canRun = useCan("operator");
  const takeover = useTakeover(id);
  if (!desktop) return loaded ? <p className="error">Desktop `{id}` does not exist.</p> : <p className="muted">Loading…</p>;
  const shot = desktop.currentTaskId && peek.lastScreenshot ? screenshotUrl(desktop.currentTaskId, peek.lastScreenshot) : null;
  return (
    <section aria-labelledby="desktop-title">
      <header className="page-head">
        <div>
          <h1 id="desktop-title">{desktop.name}</h1>
          <p className="muted small">
            <code>{desktop.id}</code> · {desktop.os} · {desktop.mode === "worker" ? "worker" : "view-only"}
            {desktop.labels.length > 0 && ` · ${desktop.labels.join(", ")}`}
            {desktop.vncUrl && ` · ${desktop.vncUrl}`}
            {desktop.lastSeenAt && ` · seen ${timeAgo(desktop.lastSeenAt)}`}
          </p>
        </div>
        <div className="head-actions">
          <StatusPill status={desktop.presence} />
          {canRun && (
            <Link to={`/tasks/new?desktop=${encodeURIComponent(desktop.id)}`} className="button primary">
              Run a task here
            </Link>
          )}
        </div>
      </header>
      <UnencryptedVncNote unencrypted={desktop.vncUnencrypted} />
      {desktop.presence !== "offline" && <TakeoverControls t={takeover} canOperate={canRun} />}
      {desktop.presence !== "offline" && <DesktopResources desktopId={desktop.id} />}
      <div className="screen-full">
        {desktop.presence === "offline" ? (
          shot ? <img src={shot} alt={`Latest screenshot of ${desktop.name}`} /> : <span className="tile-empty">No host connected</span>
        ) : (
          <LiveScreen desktopId={desktop.id} label={desktop.name} interactive={takeover.mine} fallback={<span className="tile-empty">Connecting to the screen…</span>} />
        )}
      </div>
      {desktop.currentTaskId && (
        <p>
          Working on <Link to={`/tasks/${desktop.currentTaskId}`}>{peek.task?.prompt ?? desktop.currentTaskId}</Link>
          {peek.lastAction && (
            <>
              {" "}
              — last action <code>{peek.lastAction}</code>
            </>
          )}
        </p>
      )}
      <HostRelease hostVersion={desktop.capabilities?.hostVersion} />
      <p className="muted small" aria-label="Tools beyond the screen">
        Tools beyond the screen:{" "}
        {desktop.capabilities?.tools.length ? desktop.capabilities.tools.join(", ") : "none (the host allows only the screen; start it with --allow shell,files,browser,web to offer more)"}
      </p>
      {isAdmin && <HostCommand desktopId={desktop.id} hasHostToken={desktop.hasHostToken} />}
    </section>
  );
}
