// Rich text moved to domain/channels/ (every chat channel formats with it); the Telegram bot's own modules keep this path.
export * from "../channels/rich-text.ts";
