import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "./app-env.ts";
import { ApiError } from "../domain/api-error.ts";
import { isWebSocketUpgrade } from "../domain/websocket/upgrade.ts";
import { notFoundHandler, onError, validationHook } from "./http/errors.ts";
import { requireRole } from "./auth/authenticate.ts";
import { health } from "./endpoints/health.ts";
import { hostInstall } from "./endpoints/host-install.ts";
import { tokens } from "./endpoints/tokens.ts";
import { session } from "./endpoints/session.ts";
import { desktops } from "./endpoints/desktops.ts";
import { tasks } from "./endpoints/tasks.ts";
import { live } from "./endpoints/live.ts";
import { hosts } from "./endpoints/hosts.ts";
import { TRAJECTORY_UPLOAD_PATH, trajectoryRoutes } from "./endpoints/trajectories.ts";
import { schedules } from "./endpoints/schedules.ts";
import { MAX_SCREENSHOT_BYTES, screenshots } from "./endpoints/screenshots.ts";
import { telegramWebhook } from "./telegram/webhook.ts";
import { helpRequests } from "./endpoints/help-requests.ts";
import { proposals } from "./endpoints/proposals.ts";
import { supervisor } from "./endpoints/supervisor.ts";
import { taskChain } from "./endpoints/task-chain.ts";
import { vncRelay } from "./endpoints/vnc-relay.ts";
import { ensureConfiguredDesktops } from "../domain/tasks/configured-desktops.ts";
import { desktopControl } from "./endpoints/desktop-control.ts";
import { agents } from "./endpoints/agents.ts";
import { skills } from "./endpoints/skills.ts";
import { memories } from "./endpoints/memories.ts";
import { userProfile } from "./endpoints/user-profile.ts";
import { taskFileRoutes } from "./endpoints/task-files.ts";
import { MAX_TASK_FILE_BYTES } from "@deskfleet/protocol";
import { secretsApi } from "./endpoints/secrets.ts";
import { spendApi } from "./endpoints/spend.ts";
import { telegramWebApp } from "./endpoints/telegram-webapp.ts";
import { ensureAdminRotationNoticed } from "../domain/access/revoke.ts";
import { withSecurityHeaders } from "./http/security-headers.ts";

const MAX_JSON_BODY = 256 * 1024;

const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

// Every API answer (errors included) gets the security headers; a WebSocket's 101 is left as it is.
app.use("/api/*", async (c, next) => {
  await next();
  if (!isWebSocketUpgrade(c.req.raw)) c.res = withSecurityHeaders(c.res, new URL(c.req.url), "api");
});
const limit = (maxSize: number) =>
  bodyLimit({
    maxSize,
    onError: () => {
      throw new ApiError(413, "payload_too_large", `the request body is over ${Math.round(maxSize / 1024)} KiB`);
    },
  });
const jsonLimit = limit(MAX_JSON_BODY);
const screenshotLimit = limit(MAX_SCREENSHOT_BYTES);
// A file of a task, and the multipart wrapping around it.
const fileLimit = limit(MAX_TASK_FILE_BYTES + 64 * 1024);
// Screenshots and task files are the binary uploads; everything else is JSON and stays small.
// A trajectory is JSON with its fingerprint PNGs inside: it gets the screenshot limit.
app.use("/api/*", (c, next) =>
  /^\/api\/hosts\/tasks\/[^/]+\/screenshots$/.test(c.req.path) || TRAJECTORY_UPLOAD_PATH.test(c.req.path) ? screenshotLimit(c, next)
  : /^\/api\/(hosts\/)?tasks\/[^/]+\/files$/.test(c.req.path) ? fileLimit(c, next)
  : jsonLimit(c, next));

// On the first request each isolate serves (after every deploy): desktops from DESKFLEET_DESKTOPS
// are written to D1, and a rotated admin token ends what the old one opened.
app.use("/api/*", async (c, next) => {
  await Promise.all([ensureConfiguredDesktops(c.env), ensureAdminRotationNoticed(c.env)]);
  await next();
});

const routes = app
  .route("/", health)
  .route("/", hostInstall)
  .route("/", session)
  .route("/", tokens)
  .route("/", desktops)
  .route("/", tasks)
  .route("/", live)
  .route("/", hosts)
  .route("/", schedules)
  .route("/", screenshots)
  .route("/", trajectoryRoutes)
  .route("/", taskFileRoutes)
  .route("/", supervisor)
  .route("/", taskChain)
  .route("/", helpRequests)
  .route("/", proposals)
  .route("/", vncRelay)
  .route("/", desktopControl)
  .route("/", agents)
  .route("/", skills)
  .route("/", memories)
  .route("/", userProfile)
  .route("/", secretsApi)
  .route("/", spendApi)
  .route("/", telegramWebApp);

app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
  type: "http",
  scheme: "bearer",
  description: "The admin token (DESKFLEET_ADMIN_TOKEN) or an API token (POST /api/tokens)",
});
app.openAPIRegistry.registerComponent("securitySchemes", "vncTicket", {
  type: "apiKey",
  in: "query",
  name: "ticket",
  description: "A one-time VNC ticket (POST /api/desktops/{id}/vnc-ticket): browsers cannot set headers on a WebSocket",
});
app.openAPIRegistry.registerComponent("securitySchemes", "hostToken", {
  type: "http",
  scheme: "bearer",
  description: "A desktop host token (POST /api/desktops/{id}/host-token)",
});

app.get("/api/openapi.json", requireRole("viewer"), (c) =>
  c.json(
    app.getOpenAPI31Document({
      openapi: "3.1.0",
      info: { title: "Deskfleet API", version: "1", description: "Control plane for fleets of Claude computer-use agents" },
    }),
  ),
);

// Telegram authenticates with its own secret header, outside the API's auth and OpenAPI document.
app.route("/", telegramWebhook);

// The dashboard's pages (the SPA's index.html for every client route), with their security headers.
// Its hashed /assets/ are served without the Worker (wrangler.toml `run_worker_first`).
app.on(["GET", "HEAD"], "*", async (c, next) => {
  const url = new URL(c.req.url);
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/telegram/")) return next();
  // The desktop Mini App (/mini/…) is the same page, framed by Telegram's web client.
  return withSecurityHeaders(await c.env.ASSETS.fetch(c.req.raw), url, url.pathname.startsWith("/mini/") ? "mini-app" : "dashboard");
});

app.notFound(notFoundHandler);
app.onError(onError);

export type AppType = typeof routes;
export { app };
