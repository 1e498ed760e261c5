import { useEffect } from "react";
import { useFleet } from "../live/FleetProvider.tsx";
import { Link } from "./Link.tsx";

/** Toasts from the fleet feed (task finished, needs help…); each fades after a while. */
export function Notifications() {
  const { notifications, dismiss } = useFleet();
  useEffect(() => {
    const oldest = notifications[0];
    if (!oldest) return;
    const t = setTimeout(() => dismiss(oldest.at), 8000);
    return () => clearTimeout(t);
  }, [notifications, dismiss]);
  return (
    <div className="toasts" aria-live="polite">
      {notifications.map((n) => (
        <div key={n.at} className={`toast toast-${n.level}`}>
          <strong>{n.title}</strong>
          <p>{n.body}</p>
          <div className="row">
            {n.path === "/approvals" && <Link to="/approvals">Review</Link>}
            {n.taskId && <Link to={`/tasks/${n.taskId}`}>Open task</Link>}
            <button type="button" className="ghost small" onClick={() => dismiss(n.at)}>
              Dismiss
            </button>
          </div>
        </div>
      ))}
    </div>
  );
}
