import { useState } from "react";
import { api } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";
import { useCan } from "../auth/session.ts";
import { useFleet } from "../live/FleetProvider.tsx";
import { Link } from "../app/Link.tsx";

/**
 * The kill switch in the header: everyone sees whether the fleet runs (paused,
 * over budget); admins pause it (running tasks pause or are cancelled) and resume it.
 */
export function FleetSwitch() {
  const { fleet, refreshFleet } = useFleet();
  const isAdmin = useCan("admin");
  const [choosing, setChoosing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!fleet) return null;
  const act = async (request: () => Promise<unknown>) => {
    setError(null);
    try {
      await request();
      refreshFleet();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setChoosing(false);
    }
  };
  const paused = fleet.paused;
  return (
    <div className="fleet-switch" role="status" aria-label="Fleet state">
      {paused && <span className="badge badge-error">Fleet paused by {paused.by}</span>}
      {!paused && fleet.budget.over && (
        <Link to="/spend" className="badge badge-error">
          Over {fleet.budget.over} budget
        </Link>
      )}
      {isAdmin && paused && (
        <button type="button" className="small" onClick={() => act(() => call(api.fleet.resume.$post()))}>
          Resume the fleet
        </button>
      )}
      {isAdmin && !paused && !choosing && (
        <button type="button" className="small danger" onClick={() => setChoosing(true)}>
          Pause the fleet
        </button>
      )}
      {isAdmin && !paused && choosing && (
        <span role="group" aria-label="Pause the fleet">
          <button type="button" className="small danger" onClick={() => act(() => call(api.fleet.pause.$post({ json: { running: "pause" } })))}>
            Pause running tasks
          </button>
          <button type="button" className="small danger" onClick={() => act(() => call(api.fleet.pause.$post({ json: { running: "cancel" } })))}>
            Cancel running tasks
          </button>
          <button type="button" className="small" onClick={() => setChoosing(false)}>
            Keep running
          </button>
        </span>
      )}
      {error && <span className="error" role="alert">{error}</span>}
    </div>
  );
}
