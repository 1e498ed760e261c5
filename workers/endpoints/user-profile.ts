import { OpenAPIHono } from "@hono/zod-openapi";
import { PutUserProfileBody, UserProfile } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { jsonBody, jsonContent, secureRoute } from "../http/route.ts";
import { validationHook } from "../http/errors.ts";
import { getUserProfile, setUserProfile } from "../../domain/agents/user-profile.ts";

/** The user profile: in every agent's and the supervisor's prompt. Operators (who may also tell the supervisor) edit it. */
export const userProfile = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/settings/user-profile",
      summary: "About the people this fleet works for: names, time zone, preferences",
      responses: { 200: jsonContent(UserProfile, "The user profile (empty text when none is written)") },
    }),
    async (c) => c.json(await getUserProfile(c.env), 200),
  )
  .openapi(
    secureRoute("operator", {
      method: "put",
      path: "/api/settings/user-profile",
      summary: "Replace the user profile; tasks assigned from now on get it",
      request: { body: jsonBody(PutUserProfileBody) },
      responses: { 200: jsonContent(UserProfile, "The saved profile") },
    }),
    async (c) => c.json(await setUserProfile(c.env, c.req.valid("json").text, c.var.identity.id), 200),
  );
