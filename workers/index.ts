import { app } from "./app.ts";
import { runDueSchedules } from "../domain/scheduling/run-due.ts";

export { DesktopDO } from "../durable-objects/desktop/desktop-do.ts";
export { FleetDO } from "../durable-objects/fleet/fleet-do.ts";
export { TaskDO } from "../durable-objects/task/task-do.ts";
export { SupervisorDO } from "../durable-objects/supervisor/supervisor-do.ts";

export default {
  fetch: app.fetch,
  // The Cron Trigger (every minute): start due schedules; the scheduled time is "now" for slot math.
  scheduled(controller, env, ctx) {
    ctx.waitUntil(runDueSchedules(env, controller.scheduledTime).then(() => undefined));
  },
} satisfies ExportedHandler<Env>;
