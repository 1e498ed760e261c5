import { createRedactor, type Redactor } from "./redact.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. the task id). */
  child(fields: LogFields): Logger;
}

export type LoggerOptions = {
  /** One JSON object a line (machines) instead of readable lines (people). */
  json?: boolean;
  /** Values that must never appear in a line: host token, VNC password, API key. */
  secrets?: readonly (string | undefined | null)[];
  /** Values learned while running (vault secrets, secret answers): replaced by their labels in every line. */
  redactions?: { text(s: string): string; value<T>(v: T): T };
  level?: LogLevel;
  /** Where lines go; default stderr, so stdout stays free for command output. */
  write?: (line: string) => void;
  now?: () => number;
};

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(options: LoggerOptions = {}): Logger {
  const redactor = createRedactor(options.secrets ?? []);
  const write = options.write ?? ((line: string) => void process.stderr.write(line + "\n"));
  const min = ORDER[options.level ?? "info"];
  const now = options.now ?? Date.now;
  const make = (base: LogFields): Logger => {
    const log = (level: LogLevel, message: string, fields?: LogFields) => {
      if (ORDER[level] < min) return;
      const dynamic = options.redactions;
      const all = dynamic ? dynamic.value({ ...base, ...fields }) : { ...base, ...fields };
      write(format(redactor, options.json ?? false, now(), level, dynamic ? dynamic.text(message) : message, all));
    };
    return {
      debug: (m, f) => log("debug", m, f),
      info: (m, f) => log("info", m, f),
      warn: (m, f) => log("warn", m, f),
      error: (m, f) => log("error", m, f),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return make({});
}

function format(r: Redactor, json: boolean, at: number, level: LogLevel, message: string, fields: LogFields): string {
  const safe = r.value(fields) as LogFields;
  if (json) return JSON.stringify({ at, level, msg: r.text(message), ...safe });
  const time = new Date(at).toISOString().slice(11, 23);
  const extras = Object.entries(safe)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === "string" && !/\s/.test(v) ? v : JSON.stringify(v)}`);
  return [time, level.toUpperCase().padEnd(5), r.text(message), ...extras].join(" ");
}
