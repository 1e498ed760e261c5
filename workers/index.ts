import { app } from "./app.ts";

export { DesktopDO } from "../durable-objects/desktop/desktop-do.ts";
export { FleetDO } from "../durable-objects/fleet/fleet-do.ts";
export { TaskDO } from "../durable-objects/task/task-do.ts";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
