// Reads a JSON request body with a size cap, so a large or malformed body is a
// 4xx and never a crash.
import type { Context } from 'koa';
import { HttpError } from './errors.js';

export const MAX_BODY_BYTES = 64 * 1024;

/** Reads and parses the JSON object body of a POST request. */
export async function readJsonObject(ctx: Context): Promise<Record<string, unknown>> {
  const type = ctx.get('content-type');
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(415, 'unsupported_media_type', `Send the body as JSON with "Content-Type: application/json" (got "${type || 'none'}").`);
  }
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();

  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, 'invalid_json', `The body is not valid JSON: ${(err as Error).message}.`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpError(400, 'invalid_json', 'The body must be a JSON object, such as {"params": {}}.');
  }
  return value as Record<string, unknown>;
}

function tooLarge(): HttpError {
  return new HttpError(413, 'body_too_large', `The body is larger than ${MAX_BODY_BYTES / 1024} KiB; send fewer or shorter values.`);
}
