import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { Role } from "@deskfleet/protocol";
import { ApiErrorBody } from "@deskfleet/protocol";
import { requireRole } from "../auth/authenticate.ts";
import { requireHost } from "../auth/host-auth.ts";

/**
 * Who may call a route. Written into the OpenAPI document so a test can prove every route enforces it.
 * `sign_in` is the one route that takes credentials in its body (POST /api/session): it authenticates itself.
 */
export type Access = Role | "host" | "sign_in";

// The sign-in route checks the token or code in its body itself.
const noCredentialsYet: MiddlewareHandler = (_c, next) => next();

/** An error answer: the JSON envelope `{"error":{"code","message"}}`, with what it means on this route. */
export const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: ApiErrorBody } } });

/** Error answers every secured route can give; `secureRoute` adds them to each. */
const errorResponses = {
  400: errorResponse("Malformed request"),
  401: errorResponse("Missing or invalid credentials"),
  403: errorResponse("The caller's role is too small"),
  404: errorResponse("Not found"),
  422: errorResponse("Invalid input"),
  429: errorResponse("Rate limited (failed authentications from this address, or the route's own limit); retry after `Retry-After` seconds"),
} as const;

/** 409, for a route whose request can conflict with the current state (already done, changed meanwhile, held by someone else). */
export const conflictResponse = (description: string) => ({ 409: errorResponse(description) }) as const;

/** A WebSocket route: 101 when the request is an upgrade, 426 with the envelope when it is not. */
export const webSocketResponses = (description: string) =>
  ({ 101: { description }, 426: errorResponse("Not a WebSocket upgrade; connect with `Upgrade: websocket`") }) as const;

/**
 * Every authenticated route is declared through here: authentication and the
 * role check are part of the route itself, not something a handler can forget.
 */
export function secureRoute<const R extends Omit<RouteConfig, "middleware" | "security">>(access: Access, config: R) {
  return createRoute({
    ...config,
    responses: { ...errorResponses, ...config.responses },
    security: access === "sign_in" ? [] : [{ [access === "host" ? "hostToken" : "bearer"]: [] }],
    "x-deskfleet-access": access,
    middleware: [access === "sign_in" ? noCredentialsYet : access === "host" ? requireHost() : requireRole(access)] as const,
  });
}

export const jsonContent = <T>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const jsonBody = <T>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});
