/**
 * The Bot API's error shape: `{"ok":false,"error_code":400,"description":"Bad Request: …"}`.
 * Descriptions are copied from what Telegram answers, so code that matches on them behaves the same.
 */
export class BotApiError extends Error {
  readonly errorCode: number;
  readonly description: string;
  readonly parameters: Record<string, unknown> | undefined;
  constructor(errorCode: number, description: string, parameters?: Record<string, unknown>) {
    super(description);
    this.name = "BotApiError";
    this.errorCode = errorCode;
    this.description = description;
    this.parameters = parameters;
  }
  body(): { ok: false; error_code: number; description: string; parameters?: Record<string, unknown> } {
    return this.parameters
      ? { ok: false, error_code: this.errorCode, description: this.description, parameters: this.parameters }
      : { ok: false, error_code: this.errorCode, description: this.description };
  }
}

export const badRequest = (what: string): BotApiError => new BotApiError(400, `Bad Request: ${what}`);
export const unauthorized = (): BotApiError => new BotApiError(401, "Unauthorized");
export const notFound = (): BotApiError => new BotApiError(404, "Not Found");
/** The entity parsers throw this; the method wraps it as "Bad Request: can't parse entities: …". */
export class EntityParseError extends Error {}
