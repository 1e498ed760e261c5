/** R2 keys are derived from the task id, so a host can only ever write under its own task. */
export const screenshotKey = (taskId: string, name: string) => `tasks/${taskId}/${name}`;
