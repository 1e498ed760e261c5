import { z } from "zod";

/** A desktop id is a user-chosen slug: it appears in URLs, commands and Telegram. */
export const DesktopId = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, {
    message: "a desktop id is 1-63 lowercase letters, digits and dashes, not starting or ending with a dash (e.g. `mac-studio`)",
  });
export type DesktopId = z.infer<typeof DesktopId>;

export const TaskId = z.string().regex(/^tsk_[0-9a-z]{10,40}$/, { message: "a task id looks like `tsk_…`" });
export type TaskId = z.infer<typeof TaskId>;

export const Label = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.:-]{0,62}$/i, { message: "a label is 1-63 letters, digits, `_`, `.`, `:` or `-`" });

/** Epoch milliseconds: the only time format on the wire and in D1. */
export const EpochMs = z.number().int().nonnegative();
