import { existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { writePrivateFile } from "./atomic-file.ts";

/** What the installer may carry from the installing shell's environment into the host's env file. */
export const CARRIED_ENV = ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL", "DESKFLEET_MODEL", "DESKFLEET_VNC_PASSWORD"] as const;

const HEADER = [
  "# deskfleet-host reads this file when it starts; a variable already in its environment wins.",
  "# It holds secrets: keep it readable by you only (chmod 600). One NAME=value a line, e.g.",
  "# ANTHROPIC_API_KEY=sk-ant-…   (without it the desktop is view-only: no tasks)",
];

export function readEnvFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  return parseEnv(readFileSync(path, "utf8")) as Record<string, string>;
}

/** Writes the env file (0600), keeping the values it had unless `values` replaces them. */
export function mergeEnvFile(path: string, values: Record<string, string>): Record<string, string> {
  const merged = { ...readEnvFile(path), ...values };
  const lines = Object.entries(merged).map(([name, value]) => `${name}=${quoteEnvValue(name, value)}`);
  writePrivateFile(path, [...HEADER, ...lines, ""].join("\n"));
  return merged;
}

/**
 * A value quoted so Node's env-file parser reads it back unchanged: inside
 * single quotes or backticks nothing is special (inside double quotes `\n`
 * would become a newline, unquoted `#` would start a comment).
 */
export function quoteEnvValue(name: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`${name} is not a variable name`);
  if (/[\r\n]/.test(value)) throw new Error(`${name} must be one line`);
  for (const quote of ["'", "`"]) if (!value.includes(quote)) return `${quote}${value}${quote}`;
  throw new Error(`${name} holds both ' and \`, which the env file cannot quote; choose another value`);
}

/**
 * The host's environment: the process's own, plus what the installed host's
 * env file adds (never replacing a variable that is set). The additions also
 * go into process.env, where the Anthropic SDK reads its key.
 */
export function withEnvFile(env: Record<string, string | undefined>, path: string | null): Record<string, string | undefined> {
  if (!path) return env;
  const added: Record<string, string> = {};
  for (const [name, value] of Object.entries(readEnvFile(path))) {
    if (env[name] === undefined || env[name] === "") added[name] = value;
  }
  Object.assign(process.env, added);
  return { ...env, ...added };
}
