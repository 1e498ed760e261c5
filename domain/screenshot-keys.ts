/** R2 keys are derived from the task id, so a host can only ever write under its own task. */
export const screenshotKey = (taskId: string, name: string) => `tasks/${taskId}/${name}`;

/** A task's files (attachments and artifacts) share the bucket under the task's own `files/` prefix. */
export const taskFileKey = (taskId: string, fileId: string) => `tasks/${taskId}/files/${fileId}`;

/** Files people sent to a supervisor conversation (a Telegram photo, a PDF), under the conversation. */
export const conversationFileKey = (conversationId: string, fileId: string) => `conversations/${conversationId}/files/${fileId}`;
