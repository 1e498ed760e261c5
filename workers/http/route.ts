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

const errorResponses = {
  400: { description: "Malformed request", content: { "application/json": { schema: ApiErrorBody } } },
  401: { description: "Missing or invalid credentials", content: { "application/json": { schema: ApiErrorBody } } },
  403: { description: "The caller's role is too small", content: { "application/json": { schema: ApiErrorBody } } },
  404: { description: "Not found", content: { "application/json": { schema: ApiErrorBody } } },
  422: { description: "Invalid input", content: { "application/json": { schema: ApiErrorBody } } },
} as const;

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
