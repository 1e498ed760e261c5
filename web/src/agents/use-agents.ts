import { useCallback, useEffect, useState } from "react";
import { api } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";
import { useCan } from "../auth/session.ts";
import type { Agent } from "./types.ts";

/** The agents, for pickers and the Agents page; none for viewers (the list needs the operator role). */
export function useAgents(): { agents: Agent[]; error: string | null; reload: () => void } {
  const canRead = useCan("operator");
  const [agents, setAgents] = useState<Agent[]>([]);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => {
    if (!canRead) return;
    call(api.agents.$get())
      .then((r) => (setAgents(r.items), setError(null)))
      .catch((e: unknown) => setError(errorMessage(e)));
  }, [canRead]);
  useEffect(reload, [reload]);
  return { agents, error, reload };
}
