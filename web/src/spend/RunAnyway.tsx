import { useState } from "react";
import { api } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";
import { useCan } from "../auth/session.ts";
import { useFleet } from "../live/FleetProvider.tsx";

/** For admins, on a task the fleet's budget holds (queued over budget, or paused by it): let this one task run anyway. */
export function RunAnyway({ taskId, waitingReason }: { taskId: string; waitingReason: string | null }) {
  const isAdmin = useCan("admin");
  const { fleet, refreshFleet } = useFleet();
  const [error, setError] = useState<string | null>(null);
  const held = fleet?.held.some((h) => h.taskId === taskId && h.reason === "budget") ?? false;
  const overBudget = waitingReason?.startsWith("over budget") ?? false;
  if (!isAdmin || (!held && !overBudget) || fleet?.runAnyway.includes(taskId)) return null;
  return (
    <p className="notice">
      The fleet's budget holds this task.{" "}
      <button
        type="button"
        className="small"
        onClick={() =>
          call(api.tasks[":id"]["run-anyway"].$post({ param: { id: taskId } }))
            .then(refreshFleet)
            .catch((e: unknown) => setError(errorMessage(e)))
        }
      >
        Run anyway
      </button>
      {error && <span className="error" role="alert"> {error}</span>}
    </p>
  );
}
