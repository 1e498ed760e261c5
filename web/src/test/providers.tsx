import type { ReactNode } from "react";
import { SessionContext, type Role } from "../auth/session.ts";
import { FleetContext, type FleetContextValue, type FleetRunState } from "../live/FleetProvider.tsx";
import type { Desktop } from "../live/fleet-state.ts";

/** Wraps a view in a signed-in session and a fleet without a live socket. */
export function Providers({ children, role = "admin", desktops = [], fleetState = null }: { children: ReactNode; role?: Role; desktops?: Desktop[]; fleetState?: FleetRunState | null }) {
  const fleet: FleetContextValue = {
    desktops,
    loaded: true,
    taskStatus: {},
    proposalStatus: {},
    notifications: [],
    run: null,
    fleet: fleetState,
    refreshFleet: () => undefined,
    connection: { kind: "open" },
    helpOpen: 0,
    proposalsPending: role === "viewer" ? null : 0,
    reload: () => undefined,
    refreshHelp: () => undefined,
    refreshProposals: () => undefined,
    dismiss: () => undefined,
  };
  return (
    <SessionContext.Provider value={{ info: { identity: { id: "admin", name: "admin", role, kind: "session" }, expiresAt: null }, signOut: async () => undefined, signedOut: () => undefined }}>
      <FleetContext.Provider value={fleet}>{children}</FleetContext.Provider>
    </SessionContext.Provider>
  );
}
