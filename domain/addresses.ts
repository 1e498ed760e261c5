/** Where each Durable Object lives: one FleetDO per deployment, one TaskDO per task, one DesktopDO per desktop, one SupervisorDO per conversation. */
export const fleetObject = (env: Env) => env.FLEET.get(env.FLEET.idFromName("fleet"));
export const taskObject = (env: Env, taskId: string) => env.TASK.get(env.TASK.idFromName(taskId));
export const supervisorObject = (env: Env, conversationId: string) => env.SUPERVISOR.get(env.SUPERVISOR.idFromName(conversationId));
export const desktopObject = (env: Env, desktopId: string) => env.DESKTOP.get(env.DESKTOP.idFromName(desktopId));

export function envNumber(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== "" && Number.isFinite(n) && n > 0 ? n : fallback;
}
