/** What a proposed write would do, in one sentence a person can decide on. */

const clip = (s: string, max: number): string => {
  const flat = s.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
};
const quote = (v: unknown, max = 300) => `“${clip(typeof v === "string" ? v : JSON.stringify(v), max)}”`;
const str = (v: unknown): string | null => (typeof v === "string" && v ? v : null);

function target(i: Record<string, unknown>): string {
  const desktop = str(i["desktopId"]);
  const labels = Array.isArray(i["labels"]) ? (i["labels"] as unknown[]).filter((l): l is string => typeof l === "string") : [];
  if (desktop) return `on desktop ${desktop}`;
  if (labels.length) return `on a desktop labelled ${labels.join(", ")}`;
  return "on any desktop";
}

function timing(i: Record<string, unknown>): string {
  if (str(i["cron"])) return `cron ${i["cron"]}${str(i["timezone"]) ? ` (${i["timezone"]})` : ""}`;
  if (typeof i["intervalMinutes"] === "number") return `every ${i["intervalMinutes"]} min`;
  if (typeof i["runAt"] === "number") return `once at ${new Date(i["runAt"]).toISOString()}`;
  return "no timing";
}

export function describeAction(tool: string, i: Record<string, unknown>): string {
  const desktop = str(i["desktopId"]) ?? "?";
  const at = typeof i["x"] === "number" && typeof i["y"] === "number" ? ` at (${i["x"]}, ${i["y"]})` : "";
  switch (tool) {
    case "create_task":
      return `Start a task ${target(i)}${str(i["startUrl"]) ? ` at ${clip(String(i["startUrl"]), 200)}` : ""}: ${quote(i["prompt"])}`;
    case "run_command":
      return `Run the shell command ${quote(i["command"])} on desktop ${str(i["desktop"])}`;
    case "cancel_task":
      return `Cancel task ${str(i["taskId"])}${str(i["reason"]) ? ` (${clip(String(i["reason"]), 200)})` : ""}`;
    case "retry_task":
      return `Retry the failed task ${str(i["desktopId"]) || Array.isArray(i["labels"]) ? target(i) : "on its own target"} with the prompt ${quote(i["prompt"])}`;
    case "create_schedule":
      return `Create the schedule ${quote(i["name"], 100)} (${timing(i)}, ${target(i)}): ${quote(i["prompt"])}`;
    case "update_schedule": {
      const changes = (i["changes"] ?? {}) as Record<string, unknown>;
      return `Change schedule ${str(i["scheduleId"])}: ${Object.keys(changes).filter((k) => k !== "reason").join(", ") || "nothing"}`;
    }
    case "toggle_schedule":
      return `${i["enabled"] ? "Enable" : "Disable"} schedule ${str(i["scheduleId"])}`;
    case "delete_schedule":
      return `Delete schedule ${str(i["scheduleId"])} and its prompt history`;
    case "trigger_schedule":
      return `Run schedule ${str(i["scheduleId"])} now`;
    case "answer_help_request":
      return `Answer help request ${str(i["requestId"])} with ${quote(i["answer"])}`;
    case "click":
      return `${i["button"] === "right" ? "Right-click" : i["button"] === "double" ? "Double-click" : "Click"}${at} on desktop ${desktop}`;
    case "type_text":
      return `Type ${quote(i["text"])} on desktop ${desktop}`;
    case "press_key":
      return `Press ${str(i["keys"])} on desktop ${desktop}`;
    case "scroll":
      return `Scroll ${str(i["direction"])}${at} on desktop ${desktop}`;
    case "unlock_screen":
      return `Unlock desktop ${str(i["desktop"])} with the vault secret \`${str(i["secret"])}\`${str(i["username"]) ? ` after the user name ${quote(i["username"], 100)}` : ""}`;
    case "save_prompt_version":
      return `Save a new prompt version for the schedule: ${quote(i["reason"], 200)}`;
    default:
      return `${tool} ${clip(JSON.stringify(i), 300)}`;
  }
}
