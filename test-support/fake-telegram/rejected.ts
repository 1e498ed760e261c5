import { GrammyError } from "grammy";

/** The GrammyError a Bot API call through the fake was refused with (the test fails if it was not). */
export async function rejected(p: Promise<unknown>): Promise<GrammyError> {
  const err = await p.then(() => null, (e: unknown) => e);
  if (!(err instanceof GrammyError)) throw new Error(`expected a GrammyError, got ${String(err)}`);
  return err;
}
