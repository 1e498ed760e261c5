const LABELS: Record<string, string> = {
  online: "online",
  busy: "busy",
  view_only: "view-only",
  offline: "offline",
  queued: "queued",
  assigned: "assigned",
  running: "running",
  waiting_for_human: "needs help",
  completed: "completed",
  failed: "failed",
  cancelled: "cancelled",
  not_started: "not started",
};

/** A status as a word and a colour (never colour alone). */
export function StatusPill({ status }: { status: string }) {
  return <span className={`pill pill-${status}`}>{LABELS[status] ?? status}</span>;
}
