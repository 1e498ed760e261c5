import type { InferResponseType } from "hono/client";
import type { api } from "../api/client.ts";

export type ScheduleTrajectory = InferResponseType<(typeof api.schedules)[":id"]["trajectory"]["$get"], 200>;
export type TrajectoryStepView = ScheduleTrajectory["steps"][number];

export const trajectoryImageUrl = (trajectoryId: string, name: string): string =>
  `/api/trajectories/${encodeURIComponent(trajectoryId)}/images/${encodeURIComponent(name)}`;

/** A recorded step in words, in screen pixels: `left_click at (412, 300)`, `type "Ada"`, `type_secret (secret "bank")`. */
export function stepText(a: TrajectoryStepView["action"]): string {
  const parts = [a.name];
  if (a.start_coordinate) parts.push(`from (${a.start_coordinate.join(", ")})`);
  if (a.coordinate) parts.push(`${a.start_coordinate ? "to" : "at"} (${a.coordinate.join(", ")})`);
  if (a.secret) parts.push(`(secret "${a.secret}")`);
  if (a.text !== undefined) parts.push(a.name === "type" ? JSON.stringify(a.text.length > 60 ? `${a.text.slice(0, 60)}…` : a.text) : a.text);
  if (a.scroll_direction) parts.push(`${a.scroll_direction} ×${a.scroll_amount ?? 1}`);
  if (a.duration !== undefined) parts.push(`${a.duration} s`);
  return parts.join(" ");
}

/** How a step came about, in a word or two. */
export function originText(s: Pick<TrajectoryStepView, "origin" | "moved">): string {
  switch (s.origin) {
    case "model":
      return "by the model";
    case "replayed":
      return "replayed";
    case "moved":
      return s.moved ? `replayed, moved (${s.moved.dx > 0 ? "+" : ""}${s.moved.dx}, ${s.moved.dy > 0 ? "+" : ""}${s.moved.dy} px)` : "replayed, moved";
    case "repaired":
      return "repaired by the model";
    case "person":
      return "shown by a person";
  }
}
