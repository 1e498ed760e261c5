/**
 * A file a person sent, decided once: how the supervisor is shown it (`AttachmentKind`) and what
 * it is, from its bytes rather than the name or type a chat app reported; then stored in R2 under
 * the conversation. Pure decisions first (`describeFile`), storage after (`storeInboundFile`).
 */
import { newId } from "../ids.ts";
import { conversationFileKey } from "../screenshot-keys.ts";
import { modelImageRefusal, sniffImageFormat } from "@deskfleet/protocol/image-info";
import { MAX_IMAGE_BYTES, MAX_PDF_BYTES, MAX_TEXT_CHARS, MODEL_IMAGE_TYPES, type InboundAttachment } from "./inbound.ts";

/** Types read as text besides text/*. */
const TEXT_TYPES = new Set(["application/json", "application/xml", "application/x-yaml", "application/yaml", "application/csv", "application/x-ndjson", "application/javascript", "application/x-sh", "application/sql", "application/toml"]);
const TEXT_EXTENSIONS = /\.(txt|md|markdown|csv|tsv|json|ndjson|xml|ya?ml|toml|ini|log|html?|css|js|ts|py|sh|sql)$/i;

const isPdf = (b: Uint8Array): boolean => b[0] === 0x25 && b[1] === 0x50 && b[2] === 0x44 && b[3] === 0x46; // %PDF

/** Valid UTF-8 without NUL bytes: text a model can read. */
function asText(b: Uint8Array): string | null {
  if (b.includes(0)) return null;
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(b);
  } catch {
    return null;
  }
}

export type FileDescription = Omit<InboundAttachment, "id">;

/** How a file is shown to the supervisor: an image block, a PDF block, its text, or named only (with why). */
export function describeFile(name: string, declaredType: string | null, bytes: Uint8Array, size?: { width: number; height: number }): FileDescription {
  const declared = (declaredType ?? "").split(";")[0]!.trim().toLowerCase() || "application/octet-stream";
  const base = { name: name.slice(0, 200) || "file", bytes: bytes.length, ...(size ? { width: size.width, height: size.height } : {}) };
  const image = sniffImageFormat(bytes);
  if (image) {
    if (!MODEL_IMAGE_TYPES.has(image)) return { ...base, contentType: image, kind: "file", note: "the model does not read this image format" };
    if (bytes.length > MAX_IMAGE_BYTES) return { ...base, contentType: image, kind: "file", note: "too large to show the model (over 3.75 MB); a desktop agent can still open it" };
    // The API refuses the whole request over an image it cannot take, and the conversation would keep failing with it in its history.
    const refused = modelImageRefusal(bytes);
    if (refused) return { ...base, contentType: image, kind: "file", note: `not shown to the model: ${refused}; a desktop agent can still open it` };
    return { ...base, contentType: image, kind: "image" };
  }
  if (isPdf(bytes)) {
    if (bytes.length > MAX_PDF_BYTES) return { ...base, contentType: "application/pdf", kind: "file", note: "too large to show the model (over 10 MB); a desktop agent can still open it" };
    return { ...base, contentType: "application/pdf", kind: "pdf" };
  }
  if (declared.startsWith("text/") || TEXT_TYPES.has(declared) || TEXT_EXTENSIONS.test(name)) {
    const text = asText(bytes);
    if (text !== null) {
      const truncated = text.length > MAX_TEXT_CHARS;
      return { ...base, contentType: declared === "application/octet-stream" ? "text/plain" : declared, kind: "text", text: truncated ? text.slice(0, MAX_TEXT_CHARS) : text, ...(truncated ? { truncated } : {}) };
    }
  }
  return { ...base, contentType: /^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(declared) ? declared : "application/octet-stream", kind: "file" };
}

/** Stores the bytes under the conversation and returns the attachment the supervisor is shown. */
export async function storeInboundFile(env: Env, conversationId: string, d: FileDescription, bytes: Uint8Array): Promise<InboundAttachment> {
  const id = newId("att");
  await env.SCREENSHOTS.put(conversationFileKey(conversationId, id), bytes, {
    httpMetadata: { contentType: d.contentType },
    customMetadata: { conversationId, name: encodeURIComponent(d.name), kind: d.kind },
  });
  return { id, ...d };
}
