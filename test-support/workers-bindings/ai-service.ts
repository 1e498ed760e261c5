/**
 * TEST SUPPORT ONLY: the Workers AI stand-in as a Worker of its own, for system tests under
 * `wrangler dev`, which cannot run Workers AI locally (an `[ai]` binding always calls Cloudflare).
 * The test control plane binds it to the Worker as a service binding named `AI`; its RPC method
 * `run(model, inputs)` is the binding's own shape, so the Worker's code is the production code.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { WorkersAiStandIn } from "./workers-ai-stand-in.ts";

const ai = new WorkersAiStandIn();

export class AiStandIn extends WorkerEntrypoint {
  run(model: string, inputs: Record<string, unknown>): Promise<unknown> {
    return ai.run(model, inputs);
  }
}

export default {
  fetch: () => new Response("the Workers AI stand-in answers RPC only", { status: 404 }),
};
