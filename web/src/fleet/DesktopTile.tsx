import { Link } from "../app/Link.tsx";
import type { Desktop } from "../live/fleet-state.ts";
import { screenshotUrl } from "../tasks/types.ts";
import { StatusPill } from "../ui/StatusPill.tsx";
import { timeAgo } from "../ui/format.ts";
import { useTaskPeek } from "./use-task-peek.ts";
import { LiveScreen } from "../vnc/LiveScreen.tsx";
import { UnencryptedVncBadge } from "../desktops/UnencryptedVnc.tsx";

/** One desktop in the grid: its live screen (view-only), status, task and last action. */
export function DesktopTile({ desktop }: { desktop: Desktop }) {
  const peek = useTaskPeek(desktop.currentTaskId);
  const shot = desktop.currentTaskId && peek.lastScreenshot ? screenshotUrl(desktop.currentTaskId, peek.lastScreenshot) : null;
  return (
    <li className={`tile tile-${desktop.presence}`}>
      <Link to={`/desktops/${desktop.id}`} className="tile-link" aria-label={`${desktop.name}, ${desktop.presence.replace("_", "-")}. Open full view`}>
        <div className="tile-screen">
          {desktop.presence === "offline" ? (
            <span className="tile-empty">No host connected</span>
          ) : (
            <LiveScreen desktopId={desktop.id} label={desktop.name} interactive={false} fallback={shot ? <img src={shot} alt="" /> : <span className="tile-empty">Connecting to the screen…</span>} />
          )}
        </div>
        <div className="tile-body">
          <div className="tile-head">
            <strong className="tile-name">{desktop.name}</strong>
            <StatusPill status={desktop.presence} />
            <UnencryptedVncBadge unencrypted={desktop.vncUnencrypted} />
          </div>
          <p className="tile-meta muted small">
            {desktop.os} {desktop.labels.length > 0 && `· ${desktop.labels.join(", ")}`}
            {desktop.presence === "offline" && desktop.lastSeenAt && ` · seen ${timeAgo(desktop.lastSeenAt)}`}
          </p>
          {desktop.currentTaskId && (
            <p className="tile-task">
              <span className="clip">{peek.task?.prompt ?? desktop.currentTaskId}</span>
              {peek.lastAction && <code className="clip">{peek.lastAction}</code>}
            </p>
          )}
        </div>
      </Link>
    </li>
  );
}
