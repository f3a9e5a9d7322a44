/**
 * Sends bytes to a presigned PUT URL, reporting progress: through `XMLHttpRequest` in a
 * browser (the only browser API with upload progress), through `fetch` with a counted stream
 * in Node.js.
 */
import { FileApiError, storageError } from './errors';

/** What a PUT needs besides its URL. */
export interface PutOptions {
  /** The headers the API answered, sent unchanged (a browser sets `content-length` itself). */
  readonly headers: Readonly<Record<string, string>>;
  /** Bytes sent so far. */
  readonly onProgress?: (loaded: number) => void;
  readonly signal?: AbortSignal;
  readonly fetch?: typeof fetch;
}

/** What S3 answered to a successful PUT. */
export interface PutResult {
  /** The object's (or part's) ETag, quotes included; multipart completion needs it. */
  readonly etag: string | undefined;
}

const CHUNK_BYTES = 64 * 1024;

/** PUTs `body` to `url`; S3's refusals become `FileApiError`s with code `S3_<Code>`. */
export function putBytes(url: string, body: Blob | Uint8Array, options: PutOptions): Promise<PutResult> {
  if (options.signal?.aborted) return Promise.reject(aborted());
  return typeof XMLHttpRequest === 'function' ? putWithXhr(url, body, options) : putWithFetch(url, body, options);
}

function putWithXhr(url: string, body: Blob | Uint8Array, options: PutOptions): Promise<PutResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    for (const [name, value] of Object.entries(options.headers)) {
      // A forbidden header for scripts: the browser sets it from the body, to the same value.
      if (name !== 'content-length') xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (event) => options.onProgress?.(event.loaded);
    xhr.onload = () =>
      xhr.status >= 200 && xhr.status < 300
        ? resolve({ etag: xhr.getResponseHeader('etag') ?? undefined })
        : reject(storageError(xhr.status, xhr.responseText));
    xhr.onerror = () => reject(new FileApiError(0, 'NETWORK_ERROR', 'The upload could not reach storage.'));
    xhr.onabort = () => reject(aborted());
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(body as XMLHttpRequestBodyInit);
  });
}

async function putWithFetch(url: string, body: Blob | Uint8Array, options: PutOptions): Promise<PutResult> {
  const http = options.fetch ?? fetch;
  let loaded = 0;
  const counted = chunksOf(body).pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        controller.enqueue(chunk);
        loaded += chunk.byteLength;
        options.onProgress?.(loaded);
      },
    }),
  );
  let response: Response;
  try {
    response = await http(url, {
      method: 'PUT',
      headers: options.headers,
      body: counted,
      signal: options.signal,
      // Node.js needs this to stream a request body; the signed content-length keeps it a plain PUT.
      duplex: 'half',
    } as RequestInit);
  } catch (error) {
    throw options.signal?.aborted
      ? aborted()
      : new FileApiError(0, 'NETWORK_ERROR', `The upload could not reach storage: ${String(error)}`);
  }
  if (!response.ok) throw storageError(response.status, await response.text().catch(() => ''));
  await response.body?.cancel();
  return { etag: response.headers.get('etag') ?? undefined };
}

function chunksOf(body: Blob | Uint8Array): ReadableStream<Uint8Array> {
  if (body instanceof Uint8Array) {
    let offset = 0;
    return new ReadableStream({
      pull(controller) {
        if (offset >= body.byteLength) {
          controller.close();
          return;
        }
        controller.enqueue(body.subarray(offset, offset + CHUNK_BYTES));
        offset += CHUNK_BYTES;
      },
    });
  }
  return body.stream();
}

/** The error for a cancelled upload. */
export function aborted(): FileApiError {
  return new FileApiError(0, 'ABORTED', 'The upload was cancelled.');
}
