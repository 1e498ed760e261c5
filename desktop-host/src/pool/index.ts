/** `deskfleet-host/pool`: a pool's building blocks for scripts, benchmarks and tests (the CLI is `deskfleet-host pool`). */
export { chromiumArgs, spawnChromium, startChromiumOnDisplay, stopChromium, type BrowserOptions } from "./browser.ts";
export { XSession, missingXSessionTools, type XSessionOptions } from "./x-session.ts";
export { Pool, poolDesktopId, scalePlan, type PoolOptions, type PoolStatus } from "./pool.ts";
export { askPool, CONTROL_SOCKET, type PoolAnswer, type PoolRequest } from "./pool-control.ts";
