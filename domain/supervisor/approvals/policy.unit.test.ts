import { describe, expect, it } from "vitest";
import { APPROVAL_CLASSES, type ApprovalClass, type ConversationKind } from "@deskfleet/protocol";
import { decideApproval } from "./policy.ts";
import { requiredApprovals } from "./config.ts";
import { toolsFor } from "../tools/index.ts";
import type { WriteEffect } from "../tools/tool.ts";

const ALL: ReadonlySet<ApprovalClass> = new Set(APPROVAL_CLASSES);
const decide = (kind: ConversationKind, askedByPerson: boolean, effect: WriteEffect, required = ALL) => decideApproval({ kind, askedByPerson, required, effect });

describe("the approval policy", () => {
  it("lets a write through in a turn that answers a person's message", () => {
    for (const c of APPROVAL_CLASSES) expect(decide("dash", true, { class: c })).toEqual({ propose: false });
    expect(decide("telegram", true, { class: "tasks" })).toEqual({ propose: false });
  });

  it("proposes a write of every class in a chat turn that followed tool results", () => {
    for (const c of APPROVAL_CLASSES) expect(decide("dash", false, { class: c })).toMatchObject({ propose: true, why: expect.stringContaining("after reading tool results") });
  });

  it("proposes every write of a healer except retrying the failed task on its own target, even if a person had been asked", () => {
    expect(decide("heal", false, { class: "tasks", ownRetry: true })).toEqual({ propose: false });
    expect(decide("heal", false, { class: "tasks", ownRetry: false })).toMatchObject({ propose: true, why: expect.stringContaining("healer") });
    expect(decide("heal", true, { class: "desktop_input" })).toMatchObject({ propose: true });
    expect(decide("learn", true, { class: "schedules" })).toMatchObject({ propose: true, why: expect.stringContaining("optimizer") });
  });

  it("leaves a class out of DESKFLEET_APPROVALS to the supervisor", () => {
    const required: ReadonlySet<ApprovalClass> = new Set(["tasks"]);
    expect(decide("dash", false, { class: "desktop_input" }, required)).toEqual({ propose: false });
    expect(decide("heal", false, { class: "schedules" }, required)).toEqual({ propose: false });
    expect(decide("dash", false, { class: "tasks" }, required)).toMatchObject({ propose: true });
  });

  it("decides a prompt rewrite by the schedule's selfLearning alone: proposed unless it is auto", () => {
    expect(decide("learn", false, { class: "prompt_rewrites" })).toMatchObject({ propose: true, why: expect.stringContaining('"propose"') });
    expect(decide("learn", false, { class: "prompt_rewrites", autoApply: true })).toEqual({ propose: false });
    expect(decide("learn", false, { class: "prompt_rewrites" }, new Set())).toMatchObject({ propose: true });
  });
});

describe("DESKFLEET_APPROVALS", () => {
  it("needs approval for every class when unset, empty or all", () => {
    for (const raw of [undefined, "", "  ", "all", "ALL"]) expect([...requiredApprovals(raw).classes].sort()).toEqual([...APPROVAL_CLASSES].sort());
  });

  it("takes a list of classes, or none", () => {
    expect([...requiredApprovals("tasks, schedules").classes]).toEqual(["tasks", "schedules"]);
    expect([...requiredApprovals("none").classes]).toEqual([]);
  });

  it("keeps every class on and says what is wrong when a word is not a class", () => {
    const r = requiredApprovals("tasks,desktop-input");
    expect(r.classes.size).toBe(APPROVAL_CLASSES.length);
    expect(r.problem).toMatch(/`desktop-input`, which is not one of tasks, desktop_input, schedules, help_answers/);
  });
});

describe("the supervisor's tools", () => {
  it("class every tool that changes the fleet as a write; only looking, talking to the conversation's people and the supervisor's own memory are not", () => {
    const kinds: ConversationKind[] = ["dash", "telegram", "heal", "learn"];
    const notWrites = new Set(kinds.flatMap((k) => toolsFor(k)).filter((t) => t.effect === "read" || t.effect === "conversation").map((t) => t.name));
    expect([...notWrites].sort()).toEqual(
      ["ask_human", "get_desktop", "get_task", "get_task_screenshot", "list_agents", "list_desktops", "list_help_requests", "list_schedules", "list_secrets", "memory_search", "screenshot_desktop", "search_tasks", "send_message", "send_screenshot"].sort(),
    );
    // What the supervisor learns: its memory and the user profile, never a proposal.
    const memory = new Set(kinds.flatMap((k) => toolsFor(k)).filter((t) => t.effect === "memory").map((t) => t.name));
    expect([...memory].sort()).toEqual(["memory_delete", "memory_save", "update_user_profile"]);
    const classes = Object.fromEntries(kinds.flatMap((k) => toolsFor(k)).flatMap((t) => (typeof t.effect === "object" ? [[t.name, t.effect.class]] : [])));
    expect(classes).toEqual({
      create_task: "tasks",
      cancel_task: "tasks",
      click: "desktop_input",
      type_text: "desktop_input",
      press_key: "desktop_input",
      scroll: "desktop_input",
      create_schedule: "schedules",
      toggle_schedule: "schedules",
      delete_schedule: "schedules",
      trigger_schedule: "schedules",
      answer_help_request: "help_answers",
      run_command: "tasks",
      unlock_screen: "desktop_input",
    });
    // Decided per input (a prompt diff, the healer's own target, the schedule's selfLearning).
    expect([...new Set(kinds.flatMap((k) => toolsFor(k)).filter((t) => typeof t.effect === "function").map((t) => t.name))].sort()).toEqual(["retry_task", "save_prompt_version", "update_schedule"]);
  });
});
