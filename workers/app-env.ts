import type { Identity } from "./auth/identity.ts";

/** Hono's environment for every route: Cloudflare bindings plus per-request variables. */
export type AppEnv = {
  Bindings: Env;
  Variables: { identity: Identity };
};
