import type { InferRequestType, InferResponseType } from "hono/client";
import type { api } from "../api/client.ts";

export type Schedule = InferResponseType<typeof api.schedules.$get, 200>["items"][number];
export type CreateBody = InferRequestType<typeof api.schedules.$post>["json"];
export type UpdateBody = InferRequestType<(typeof api.schedules)[":id"]["$patch"]>["json"];
