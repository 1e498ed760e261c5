import { createContext, useCallback, useContext, useEffect, useReducer, useRef, useState, type ReactNode } from "react";
import type { FleetFeedMessage } from "@deskfleet/protocol";
import type { InferResponseType } from "hono/client";
import { api } from "../api/client.ts";
import { call } from "../api/request.ts";
import { useCan } from "../auth/session.ts";
import { fleetReducer, initialFleet, type FleetState } from "./fleet-state.ts";
import { liveUrl, ReconnectingSocket, type ConnectionState } from "./reconnecting-socket.ts";

export type FleetContextValue = FleetState & {
  connection: ConnectionState;
  /** Open help requests: the badge shown everywhere. */
  helpOpen: number;
  /** Proposals waiting for a person (null for viewers, who cannot see or decide them). */
  proposalsPending: number | null;
  reload: () => void;
  refreshHelp: () => void;
  refreshProposals: () => void;
  dismiss: (at: number) => void;
  /** The fleet's state (kill switch, budget, held tasks) from GET /api/fleet, reloaded on each `fleet` message. */
  fleet: FleetRunState | null;
  refreshFleet: () => void;
};

export type FleetRunState = InferResponseType<typeof api.fleet.$get, 200>;

export const FleetContext = createContext<FleetContextValue | null>(null);

export function useFleet(): FleetContextValue {
  const v = useContext(FleetContext);
  if (!v) throw new Error("useFleet outside FleetProvider");
  return v;
}

/** One fleet feed for the whole app: desktops, task status changes and notifications, live. */
export function FleetProvider({ children, onSignedOut }: { children: ReactNode; onSignedOut: () => void }) {
  const [state, dispatch] = useReducer(fleetReducer, initialFleet);
  const [connection, setConnection] = useState<ConnectionState>({ kind: "connecting", attempt: 0 });
  const [helpOpen, setHelpOpen] = useState(0);
  const [proposalsPending, setProposalsPending] = useState<number | null>(null);
  const [fleet, setFleet] = useState<FleetRunState | null>(null);
  const canDecide = useCan("operator");
  const refreshFleet = useCallback(() => {
    call(api.fleet.$get())
      .then(setFleet)
      .catch(() => undefined);
  }, []);
  const known = useRef(new Set<string>());
  known.current = new Set(state.desktops.map((d) => d.id));

  const reload = useCallback(() => {
    call(api.desktops.$get())
      .then((r) => dispatch({ type: "loaded", desktops: r.items }))
      .catch(() => undefined);
  }, []);

  const refreshHelp = useCallback(() => {
    call(api["help-requests"].$get({ query: { status: "open", limit: "200" } }))
      .then((r) => setHelpOpen(r.items.length))
      .catch(() => undefined);
  }, []);

  const refreshProposals = useCallback(() => {
    if (!canDecide) return;
    call(api.proposals.$get({ query: { status: "pending", limit: "200" } }))
      .then((r) => setProposalsPending(r.items.length))
      .catch(() => undefined);
  }, [canDecide]);

  useEffect(() => {
    const socket = new ReconnectingSocket({
      url: liveUrl("/api/live"),
      onMessage: (data) => {
        const message = data as FleetFeedMessage;
        dispatch({ type: "feed", message });
        // A desktop someone else just added: the list has its details.
        if (message.type === "desktop" && !message.deleted && !known.current.has(message.desktopId)) reload();
        // Questions open and close with task status changes (waiting_for_human and back).
        if (message.type === "task") refreshHelp();
        if (message.type === "proposal") refreshProposals();
        if (message.type === "fleet") refreshFleet();
      },
      onState: setConnection,
      // Messages sent while we were away are not replayed: the list is the truth after a (re)connect.
      onOpen: () => {
        reload();
        refreshHelp();
        refreshProposals();
        refreshFleet();
      },
      onFatal: onSignedOut,
    });
    reload();
    return () => socket.close();
  }, [reload, refreshHelp, refreshProposals, refreshFleet, onSignedOut]);

  const dismiss = useCallback((at: number) => dispatch({ type: "dismiss", at }), []);
  return <FleetContext.Provider value={{ ...state, connection, helpOpen, proposalsPending, reload, refreshHelp, refreshProposals, dismiss, fleet, refreshFleet }}>{children}</FleetContext.Provider>;
}
