import type { Logger } from "../runtime/logger.ts";

/**
 * Ctrl-C and SIGTERM stop gracefully (the running task is cancelled and its
 * events stored); a second one quits at once. Returns the function that
 * removes the handlers.
 */
export function stopOnSignals(logger: Logger, stop: (signal: NodeJS.Signals) => void): () => void {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) process.exit(130); // a second Ctrl-C means now
    logger.info(`${signal}: stopping (the running task is cancelled; press Ctrl-C again to quit at once)`);
    stop(signal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
}
