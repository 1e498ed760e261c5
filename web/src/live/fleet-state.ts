import type { InferResponseType } from "hono/client";
import type { FleetFeedMessage } from "@deskfleet/protocol";
import type { api } from "../api/client.ts";

export type Desktop = InferResponseType<typeof api.desktops.$get, 200>["items"][number];
export type Notification = Extract<FleetFeedMessage, { type: "notification" }>;

export type FleetState = {
  desktops: Desktop[];
  loaded: boolean;
  /** Bumped on every task status change so task views can refresh. */
  taskStatus: Record<string, { status: string; at: number }>;
  /** Bumped whenever a proposal is made or decided so the approvals views can refresh. */
  proposalStatus: Record<string, { status: string; at: number }>;
  notifications: Notification[];
  /** Whether the fleet runs: the kill switch and the budget, as the last `fleet` message said (null until one arrives). */
  run: { paused: Extract<FleetFeedMessage, { type: "fleet" }>["paused"]; over: "daily" | "monthly" | null; at: number } | null;
};

export type FleetAction = { type: "loaded"; desktops: Desktop[] } | { type: "feed"; message: FleetFeedMessage } | { type: "dismiss"; at: number };

export const initialFleet: FleetState = { desktops: [], loaded: false, taskStatus: {}, proposalStatus: {}, notifications: [], run: null };

// "Approval needed" toasts (path /approvals) are warnings too, and may name a job's task.
const isHelpFor = (taskId: string) => (n: Notification) => n.level === "warning" && n.taskId === taskId && n.path === undefined;

/** Applies the initial list and then each feed message; unknown desktops wait for the next list. */
export function fleetReducer(state: FleetState, action: FleetAction): FleetState {
  if (action.type === "loaded") return { ...state, desktops: action.desktops, loaded: true };
  if (action.type === "dismiss") return { ...state, notifications: state.notifications.filter((n) => n.at !== action.at) };
  const m = action.message;
  switch (m.type) {
    case "desktop":
      if (m.deleted) return { ...state, desktops: state.desktops.filter((d) => d.id !== m.desktopId) };
      return {
        ...state,
        desktops: state.desktops.map((d) => (d.id === m.desktopId ? { ...d, presence: m.presence, currentTaskId: m.taskId, lastSeenAt: m.at } : d)),
      };
    case "task":
      return {
        ...state,
        taskStatus: { ...state.taskStatus, [m.taskId]: { status: m.status, at: m.at } },
        // A "help needed" toast is stale once its task stops waiting: someone answered.
        notifications: m.status === "waiting_for_human" || !state.notifications.some(isHelpFor(m.taskId)) ? state.notifications : state.notifications.filter((n) => !isHelpFor(m.taskId)(n)),
      };
    case "notification":
      return { ...state, notifications: [...state.notifications.slice(-4), m] };
    case "proposal":
      return { ...state, proposalStatus: { ...state.proposalStatus, [m.proposalId]: { status: m.status, at: m.at } } };
    case "fleet":
      return { ...state, run: { paused: m.paused, over: m.over, at: m.at } };
    case "hello":
      return state;
  }
}
