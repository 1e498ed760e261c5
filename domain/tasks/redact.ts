import type { HelpRequest, Role, TaskEvent, TaskFeedMessage } from "@deskfleet/protocol";

// Help-request answers are for operators and above: a person may have typed for the agent what a
// viewer must not read (a one-time code, an account detail). Viewers see that a question was
// answered, by whom and how, never the answer.

export const readsAnswers = (role: Role): boolean => role !== "viewer";

export function eventForViewer(event: TaskEvent): TaskEvent {
  if (event.kind !== "help_answer" || event.data.answer === null) return event;
  return { ...event, data: { ...event.data, answer: null } };
}

export function helpRequestForViewer(request: HelpRequest): HelpRequest {
  return request.answer === null ? request : { ...request, answer: null };
}

export function feedMessageForViewer(message: TaskFeedMessage): TaskFeedMessage {
  return message.type === "event" ? { ...message, event: eventForViewer(message.event) } : message;
}
