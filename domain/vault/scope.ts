import type { SecretScope } from "@deskfleet/protocol";

/** Where a secret would be used: a task's desktop (id and labels) and schedule, or a desktop alone (unlock_screen). */
export type ScopeContext = { desktopId: string; labels: readonly string[]; scheduleId: string | null };

/**
 * Whether a secret exists for this use. A limited scope matches only when
 * every dimension it names matches: the desktop by id or by one of its
 * labels, the schedule by id (a use outside any schedule never matches a
 * schedule-limited secret).
 */
export function inScope(scope: SecretScope, ctx: ScopeContext): boolean {
  if (scope === "global") return true;
  const desktops = scope.desktops ?? [];
  const labels = scope.labels ?? [];
  const schedules = scope.schedules ?? [];
  const desktopLimited = desktops.length + labels.length > 0;
  if (desktopLimited && !desktops.includes(ctx.desktopId) && !labels.some((l) => ctx.labels.includes(l))) return false;
  if (schedules.length > 0 && (ctx.scheduleId === null || !schedules.includes(ctx.scheduleId))) return false;
  return true;
}
