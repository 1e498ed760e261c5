export { WorkersAiStandIn, EMBEDDING_DIMENSIONS } from "./workers-ai-stand-in.ts";
export { VectorizeStandIn } from "./vectorize-stand-in.ts";
