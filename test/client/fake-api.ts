/**
 * A fake API and S3 for the client's own logic, as a `fetch` function: answers are scripted per
 * request, and every request is recorded. Against the real thing, see `test/e2e`.
 */

/** A request the client made. */
interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly body: unknown;
  readonly headers: Record<string, string>;
}

/** Decides the answer to one request; `undefined` falls through to the default. */
export type Script = (request: Recorded, count: number) => Response | Promise<Response> | undefined;

export const API = 'https://api.example.com';
export const S3 = 'https://bucket.s3.eu-west-1.amazonaws.com';
const MiB = 1024 * 1024;

/** The id of the file in every scripted answer. */
export const FILE_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** A file's record, as `GET /files/{id}` and a completion answer it. */
export function aFileRecord(overrides: Record<string, unknown> = {}) {
  return {
    id: FILE_ID,
    key: `users/alice/${FILE_ID}/a.txt`,
    name: 'a.txt',
    size: 3,
    contentType: 'text/plain',
    status: 'pending',
    createdAt: '2026-11-23T10:00:00.000Z',
    ...overrides,
  };
}

/** A multipart plan for `size` bytes in parts of 8 MiB, with URLs for every part. */
export function multipartPlan(size: number) {
  const partSize = 8 * MiB;
  const partCount = Math.ceil(size / partSize);
  return {
    id: FILE_ID,
    key: `users/alice/${FILE_ID}/film.mp4`,
    status: 'pending',
    partSize,
    partCount,
    parts: Array.from({ length: partCount }, (_, index) => partUrl(index + 1, partNumberLength(size, partSize, index + 1))),
    expiresAt: new Date(Date.now() + 600_000).toISOString(),
  };
}

function partNumberLength(size: number, partSize: number, partNumber: number): number {
  return Math.min(partSize, size - (partNumber - 1) * partSize);
}

export function partUrl(partNumber: number, length = 8 * MiB, signature = 'sig') {
  return {
    partNumber,
    url: `${S3}/film.mp4?partNumber=${partNumber}&uploadId=upload-1&X-Amz-Signature=${signature}`,
    headers: { 'content-length': String(length) },
  };
}

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

export function s3Refusal(status: number, code: string, message: string): Response {
  return new Response(`<?xml version="1.0"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`, { status });
}

/** A fetch that runs each request through `script`, records it, and otherwise answers OK. */
export function fakeFetch(script: Script) {
  const requests: Recorded[] = [];
  const counts = new Map<string, number>();
  const fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input);
    const method = init.method ?? 'GET';
    let body: unknown = init.body;
    if (typeof init.body === 'string') body = JSON.parse(init.body);
    if (init.body instanceof ReadableStream) body = await new Response(init.body).arrayBuffer();
    if (init.signal?.aborted) throw new DOMException('The operation was aborted.', 'AbortError');
    const recorded = { method, url, body, headers: Object.fromEntries(new Headers(init.headers).entries()) };
    requests.push(recorded);
    const route = `${method} ${url.split('?')[0]}`;
    const count = (counts.get(route) ?? 0) + 1;
    counts.set(route, count);
    const scripted = await script(recorded, count);
    // Aborted while the answer was on its way (a pause or a cancel the script made): fetch rejects.
    if (init.signal?.aborted) throw new DOMException('The operation was aborted.', 'AbortError');
    if (scripted) return scripted;
    if (url.startsWith(S3))
      return new Response(null, { status: 200, headers: { etag: `"etag-${new URL(url).searchParams.get('partNumber') ?? 'single'}"` } });
    return json({});
  };
  return { fetch, requests };
}
