import { z } from "zod";

/**
 * A task's shell environment from the vault: `env: {"GITHUB_TOKEN": "secret:github"}`.
 * Only references to vault secrets, never plain values (a value written here
 * would be stored with the task in D1, shown in the API and the dashboard).
 * The host asks for each value when it opens the task's shell, exports it
 * there, and redacts it from every command's output.
 */

/** Most variables one task may take from the vault. */
export const MAX_ENV_VARS = 20;

export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_REF = /^secret:([a-z0-9][a-z0-9_.-]{0,63})$/;

/**
 * Names the shell or the host already sets, or that change how programs load
 * and run (a secret's value in LD_PRELOAD or PROMPT_COMMAND would be code, not data).
 */
export const RESERVED_ENV_NAMES: readonly string[] = [
  "PATH", "HOME", "USER", "LOGNAME", "SHELL", "PWD", "OLDPWD", "CDPATH", "IFS", "PS1", "PS2", "PS4", "ENV", "BASH_ENV",
  "PROMPT_COMMAND", "SHELLOPTS", "BASHOPTS", "GLOBIGNORE", "HISTFILE", "TERM", "PAGER", "GIT_PAGER", "LANG", "TZ",
  "DISPLAY", "XAUTHORITY", "TMPDIR", "XDG_RUNTIME_DIR", "NODE_OPTIONS", "PYTHONPATH", "PYTHONSTARTUP", "PERL5OPT", "RUBYOPT",
];
/** Prefixes reserved as a family: loader variables, bash's own, locale, and the host's. */
export const RESERVED_ENV_PREFIXES: readonly string[] = ["LD_", "DYLD_", "BASH_", "LC_", "DESKFLEET_"];

/** Why a variable name cannot carry a secret, or null. */
export function envNameProblem(name: string): string | null {
  if (!ENV_NAME_PATTERN.test(name) || name.length > 64) return `\`${name}\` is not a variable name: use 1-64 letters, digits and _, not starting with a digit (e.g. GITHUB_TOKEN)`;
  const upper = name.toUpperCase();
  if (RESERVED_ENV_NAMES.includes(upper)) return `\`${name}\` is reserved: the shell or the host sets it; pick another name (e.g. MY_${upper})`;
  const prefix = RESERVED_ENV_PREFIXES.find((p) => upper.startsWith(p));
  if (prefix) return `\`${name}\` is reserved: names starting with ${prefix} are the loader's, bash's, the locale's or the host's; pick another name`;
  return null;
}

/** The secret a value refers to (`secret:github` → `github`), or null when it is not a reference. */
export function envSecretName(value: string): string | null {
  return SECRET_REF.exec(value)?.[1] ?? null;
}

export const TaskEnv = z
  .record(z.string(), z.string())
  .superRefine((env, ctx) => {
    const names = Object.keys(env);
    if (names.length > MAX_ENV_VARS) ctx.addIssue({ code: "custom", message: `env takes at most ${MAX_ENV_VARS} variables, not ${names.length}` });
    for (const [name, value] of Object.entries(env)) {
      const problem = envNameProblem(name);
      if (problem) ctx.addIssue({ code: "custom", path: [name], message: problem });
      else if (envSecretName(value) === null) {
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: `env values are vault references like \`secret:github\`, never plain values (they would be stored with the task): add the value as a secret (Settings → Secrets, POST /api/secrets) and write \`${name}: "secret:<its name>"\``,
        });
      }
    }
  })
  .describe('Shell environment variables from the vault, e.g. {"GITHUB_TOKEN": "secret:github"}: exported in the task\'s shell, redacted from its output (needs the shell tool)');
export type TaskEnv = z.infer<typeof TaskEnv>;

/** The vault secrets an env names, each once, sorted. */
export function envSecretNames(env: Readonly<Record<string, string>> | undefined): string[] {
  if (!env) return [];
  return [...new Set(Object.values(env).map(envSecretName).filter((n): n is string => n !== null))].sort();
}
