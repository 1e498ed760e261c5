export { startFakeTelegram } from "./server.ts";
export type { FakeTelegram, FakeTelegramOptions, RecordedCall, Delivery } from "./server.ts";
export { parseMarkdownV2, MARKDOWN_V2_RESERVED } from "./markdown-v2.ts";
export { parseHtml } from "./html.ts";
export { BotApiError } from "./bot-api-error.ts";
export { MAX_TEXT, MAX_CAPTION } from "./methods.ts";
