/** The bot's commands as registered with setMyCommands (scripts/telegram-webhook.ts) and listed by /help. */
export const TELEGRAM_COMMANDS = [
  { command: "start", description: "What this bot does" },
  { command: "help", description: "The commands" },
  { command: "tasks", description: "The latest tasks and their status" },
  { command: "desktops", description: "The desktops and whether they are online" },
  { command: "schedules", description: "Scheduled tasks and their next run" },
  { command: "run", description: "Run a task: /run <prompt>" },
  { command: "cancel", description: "Cancel a task: /cancel <task id>" },
  { command: "screenshot", description: "A desktop's screen: /screenshot <desktop id>" },
  { command: "agents", description: "The agents: @name <prompt> runs a task with one" },
  { command: "stop", description: "Stop the supervisor's current turn (not its tasks: /cancel)" },
  { command: "reset", description: "Start a new supervisor conversation in this chat" },
  { command: "pause", description: "Pause the fleet (admins): /pause or /pause cancel" },
  { command: "resume", description: "Resume the fleet (admins)" },
] as const;
