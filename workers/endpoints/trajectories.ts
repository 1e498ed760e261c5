import { OpenAPIHono, z } from "@hono/zod-openapi";
import { ReplayLookup, ReplayMode, SaveTrajectoryBody, ScheduleId, ScheduleTrajectory, TaskId, TrajectoryAction } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { jsonBody, jsonContent, secureRoute } from "../http/route.ts";
import { ApiError, notFound } from "../../domain/api-error.ts";
import { validationHook } from "../http/errors.ts";
import { getTaskRow, type TaskRow } from "../../db/tasks.ts";
import { visibleSchedule, visibleTrajectory } from "../http/visible.ts";
import { saveTrajectory, trajectoryForTask, trajectoryImageKey, TRAJECTORY_IMAGE_NAME } from "../../domain/replay/trajectory-store.ts";
import { forgetTrajectories, latestTrajectory, scheduleRuns, scheduleScope, stepsOfTrajectory, toTrajectoryVersion, trajectoryVersions } from "../../db/trajectories.ts";
import { audit } from "../../db/audit.ts";

/** Trajectories are JSON with PNG fingerprints inside: they get the screenshot body limit, not the JSON one (workers/app.ts). */
export const TRAJECTORY_UPLOAD_PATH = /^\/api\/hosts\/tasks\/[^/]+\/trajectory$/;

const TaskParam = z.object({ id: TaskId });
const ImageParam = z.object({
  id: z.string().regex(/^trj_[0-9a-z]{10,40}$/, { message: "a trajectory id looks like `trj_…`" }),
  name: z.string().regex(TRAJECTORY_IMAGE_NAME, { message: "an image name looks like `3-thumb.png`, `3-crop.png` or `final-thumb.png`" }),
});

async function hostsTask(env: Env, identityId: string, id: string): Promise<TaskRow> {
  const task = await getTaskRow(env.DB, id);
  const desktopId = identityId.replace(/^host:/, "");
  if (!task || task.desktopId !== desktopId) throw new ApiError(403, "not_your_task", `task ${id} is not assigned to desktop ${desktopId}`);
  return task;
}

export const trajectoryRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    secureRoute("host", {
      method: "get",
      path: "/api/hosts/tasks/{id}/trajectory",
      summary: "A host asks for the trajectory its task should replay (null when there is none or replay is off)",
      request: { params: TaskParam },
      responses: { 200: jsonContent(ReplayLookup, "The trajectory, or null and why") },
    }),
    async (c) => {
      const task = await hostsTask(c.env, c.var.identity.id, c.req.valid("param").id);
      return c.json(await trajectoryForTask(c.env, task), 200);
    },
  )
  .openapi(
    secureRoute("host", {
      method: "post",
      path: "/api/hosts/tasks/{id}/trajectory",
      summary: "A host saves what its completed task did and saw, as the next trajectory version of its schedule or prompt",
      request: { params: TaskParam, body: jsonBody(SaveTrajectoryBody) },
      responses: { 201: jsonContent(z.object({ id: z.string(), version: z.number().int() }), "Stored") },
    }),
    async (c) => {
      const task = await hostsTask(c.env, c.var.identity.id, c.req.valid("param").id);
      return c.json(await saveTrajectory(c.env, task, c.req.valid("json")), 201);
    },
  )
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/schedules/{id}/trajectory",
      summary: "A schedule's trajectory: the steps of the version it replays, every version, and how each recent run went (replayed, moved, repaired, cost, time)",
      request: { params: z.object({ id: ScheduleId }) },
      responses: { 200: jsonContent(ScheduleTrajectory, "The schedule's trajectory") },
    }),
    async (c) => {
      const schedule = await visibleSchedule(c.env, c.var.identity, c.req.valid("param").id);
      const scope = scheduleScope(schedule.id);
      const current = await latestTrajectory(c.env.DB, scope, schedule.promptVersion);
      const steps = current ? await stepsOfTrajectory(c.env.DB, current.id) : [];
      const replay = ReplayMode.safeParse(schedule.options["replay"]);
      return c.json({
        replay: replay.success ? replay.data : "auto",
        current: current ? toTrajectoryVersion(current) : null,
        steps: steps.map((s) => ({ index: s.idx, action: TrajectoryAction.parse(s.action), origin: s.origin, moved: s.moved ?? null, thumb: `${s.idx}-thumb.png` })),
        versions: (await trajectoryVersions(c.env.DB, scope)).map(toTrajectoryVersion),
        runs: await scheduleRuns(c.env.DB, schedule.id),
      }, 200);
    },
  )
  .openapi(
    secureRoute("operator", {
      method: "delete",
      path: "/api/schedules/{id}/trajectory",
      summary: "Forget a schedule's trajectory: its versions stay in history, and the next run asks the model (and records a new one)",
      request: { params: z.object({ id: ScheduleId }) },
      responses: { 200: jsonContent(z.object({ forgotten: z.number().int() }), "How many versions were forgotten") },
    }),
    async (c) => {
      const schedule = await visibleSchedule(c.env, c.var.identity, c.req.valid("param").id);
      const forgotten = await forgetTrajectories(c.env.DB, scheduleScope(schedule.id), Date.now());
      await audit(c.env.DB, { actor: c.var.identity.id, action: "schedule.trajectory.forget", targetType: "schedule", targetId: schedule.id, details: { forgotten } });
      return c.json({ forgotten }, 200);
    },
  )
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/trajectories/{id}/images/{name}",
      summary: "A trajectory's fingerprint image (PNG): a step's before-thumbnail or target crop, or the final screen",
      request: { params: ImageParam },
      responses: { 200: { description: "The PNG", content: { "image/png": { schema: z.any() } } } },
    }),
    async (c) => {
      const { id, name } = c.req.valid("param");
      await visibleTrajectory(c.env, c.var.identity, id);
      const obj = await c.env.SCREENSHOTS.get(trajectoryImageKey(id, name));
      if (!obj) throw notFound("trajectory image", `${id}/${name}`);
      return new Response(obj.body, { headers: { "content-type": "image/png", "cache-control": "private, max-age=31536000, immutable" } });
    },
  );
