/**
 * A multipart upload from the client's side: parts sent in parallel, each retried on network
 * and server errors, re-signed when its URL expired mid-upload, paused and resumed, then
 * completed; aborted on cancel or failure, so nothing is left behind. A resumed upload (after
 * a reload) skips the parts S3 already holds.
 */
import type { CompletedUpload, PartUrl, PartUrls, UploadedPart } from '../contract/answers';
import { MAX_PARTS_PER_BATCH } from '../contract/constants';
import type { CompleteUploadRequest } from '../contract/request-types';
import { sha256Base64 } from './checksums';
import { FileApiError, isExpiredUrl } from './errors';
import type { PauseGate } from './pause-gate';
import { putBytes } from './put-object';
import { withRetries, type Sleep } from './retry';

/** The plan of a multipart upload: from `POST /uploads`, or from `GET /uploads/{id}` when resumed. */
export interface PartsPlan {
  readonly id: string;
  readonly partSize: number;
  readonly partCount: number;
  /** Part URLs already signed (none when resumed: they are asked for as needed). */
  readonly parts?: readonly PartUrl[];
  readonly expiresAt?: string;
}

/** What a multipart upload needs from the client around it. */
export interface MultipartContext {
  readonly file: Blob | Uint8Array;
  readonly plan: PartsPlan;
  /** Parts S3 already holds (a resumed upload). */
  readonly uploaded?: readonly UploadedPart[];
  /** Calls the API (bearer token, errors as `FileApiError`). */
  readonly call: <T>(method: 'POST' | 'DELETE', path: string, body?: unknown, signal?: AbortSignal) => Promise<T>;
  /** Bytes S3 holds so far, across parts, and the bytes of parts still in flight. */
  readonly onProgress: (loaded: number) => void;
  /** Every part is in S3: what remains is completing. */
  readonly onPartsDone: () => void;
  /** Each part's URL signs its SHA-256, hashed from the part's slice alone. */
  readonly checksums?: boolean;
  readonly concurrency: number;
  readonly retries: number;
  readonly signal?: AbortSignal | undefined;
  readonly gate: PauseGate;
  readonly fetch?: typeof fetch | undefined;
  readonly sleep?: Sleep | undefined;
  /** The clock against which URLs' `expiresAt` are read. */
  readonly now: () => number;
}

/** A URL this close to expiry is re-signed before use rather than failing mid-part. */
const EXPIRY_MARGIN_MS = 30_000;

/** Sends every part S3 does not hold yet, completes the upload and answers the file's record. */
export async function uploadInParts(context: MultipartContext): Promise<CompletedUpload> {
  const { plan, signal } = context;
  const size = sizeOf(context.file);
  const etags = new Map<number, string>();
  const checksums = new PartChecksums(context);
  const urls = new PartUrlCache(context, (partNumber) => etags.has(partNumber), checksums);
  if (plan.parts && plan.expiresAt) urls.add(plan.parts, plan.expiresAt);
  const loaded = new Map<number, number>();
  const report = (partNumber: number, bytes: number) => {
    loaded.set(partNumber, bytes);
    let total = 0;
    for (const value of loaded.values()) total += value;
    context.onProgress(total);
  };
  for (const part of context.uploaded ?? []) {
    // A part of another length was cut for another plan: send it again.
    if (part.size !== partBounds(plan, size, part.partNumber).length) continue;
    etags.set(part.partNumber, part.etag);
    report(part.partNumber, part.size);
  }

  const queue = Array.from({ length: plan.partCount }, (_, index) => index + 1).filter((partNumber) => !etags.has(partNumber));
  const worker = async () => {
    for (let partNumber = queue.shift(); partNumber !== undefined; partNumber = queue.shift()) {
      etags.set(partNumber, await sendPart(context, urls, partNumber, (bytes) => report(partNumber, bytes)));
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(context.concurrency, queue.length) }, worker));
    context.onPartsDone();
    const parts: CompleteUploadRequest['parts'] = [];
    for (const [partNumber, etag] of [...etags].sort(([a], [b]) => a - b)) {
      // A part held since before a reload is hashed again from its slice, one at a time.
      parts.push({ partNumber, etag, ...(context.checksums && { checksumSha256: await checksums.of(partNumber) }) });
    }
    return await withRetries(() => context.call<CompletedUpload>('POST', `/uploads/${plan.id}/complete`, { parts }, signal), {
      retries: context.retries,
      signal,
      sleep: context.sleep,
    });
  } catch (error) {
    queue.length = 0;
    // Best effort, and not with the cancelled signal: the parts sent so far must not linger (lifecycle would, after a day).
    await context.call('DELETE', `/uploads/${plan.id}`).catch(() => undefined);
    throw error;
  }
}

/** Parts' SHA-256s, each hashed once from its own slice, so a file is never read whole. */
class PartChecksums {
  private readonly known = new Map<number, Promise<string>>();

  constructor(private readonly context: MultipartContext) {}

  /** Whether this part's checksum is hashed (or being hashed) already. */
  has(partNumber: number): boolean {
    return this.known.has(partNumber);
  }

  of(partNumber: number): Promise<string> {
    let checksum = this.known.get(partNumber);
    if (!checksum) {
      const { file, plan } = this.context;
      const { start, length } = partBounds(plan, sizeOf(file), partNumber);
      checksum = sha256Base64(file instanceof Blob ? file.slice(start, start + length) : file.subarray(start, start + length));
      this.known.set(partNumber, checksum);
    }
    return checksum;
  }
}

function sizeOf(file: Blob | Uint8Array): number {
  return file instanceof Blob ? file.size : file.byteLength;
}

function partBounds(plan: PartsPlan, size: number, partNumber: number): { start: number; length: number } {
  const start = (partNumber - 1) * plan.partSize;
  return { start, length: Math.min(plan.partSize, size - start) };
}

async function sendPart(
  context: MultipartContext,
  urls: PartUrlCache,
  partNumber: number,
  onProgress: (bytes: number) => void,
): Promise<string> {
  const { plan, file, gate } = context;
  const { start, length } = partBounds(plan, sizeOf(file), partNumber);
  const body = file instanceof Blob ? file.slice(start, start + length) : file.subarray(start, start + length);
  for (;;) {
    await gate.wait(context.signal);
    const paused = gate.signal;
    const signal = context.signal ? AbortSignal.any([context.signal, paused]) : paused;
    try {
      // Never the whole part before S3 answered for it: 100 % means S3 has the bytes.
      const sent = (bytes: number) => onProgress(Math.min(bytes, length - 1));
      const etag = await withRetries(() => putPart(context, urls, partNumber, body, signal, sent), {
        retries: context.retries,
        signal,
        sleep: context.sleep,
      });
      onProgress(length);
      return etag;
    } catch (error) {
      // Paused mid-part: S3 keeps no half part, so it starts over on resume.
      if (!paused.aborted || context.signal?.aborted) throw error;
      onProgress(0);
    }
  }
}

async function putPart(
  context: MultipartContext,
  urls: PartUrlCache,
  partNumber: number,
  body: Blob | Uint8Array,
  signal: AbortSignal,
  onProgress: (bytes: number) => void,
): Promise<string> {
  for (let resigned = 0; ; resigned += 1) {
    const part = await urls.get(partNumber);
    const expiresAt = urls.expiresAt(partNumber);
    onProgress(0);
    try {
      const { etag } = await putBytes(part.url, body, { headers: part.headers, onProgress, signal, fetch: context.fetch });
      if (!etag) throw new FileApiError(0, 'MISSING_ETAG', 'S3 answered a part without an ETag: the bucket CORS must expose ETag.');
      return etag;
    } catch (error) {
      // Signed too long ago (a slow connection, a laptop that slept): sign it again and resend at once.
      if (!isExpiredUrl(error, expiresAt, context.now()) || resigned >= 2) throw error;
      urls.forget(partNumber);
    }
  }
}

/** Part URLs by number, fetched in batches as the workers need them, re-signed when expired. */
class PartUrlCache {
  private readonly urls = new Map<number, { part: PartUrl; expiresAt: number }>();
  private readonly pending = new Map<number, Promise<void>>();

  constructor(
    private readonly context: MultipartContext,
    /** Parts S3 holds already: no URL is asked for them. */
    private readonly held: (partNumber: number) => boolean,
    private readonly checksums: PartChecksums,
  ) {}

  add(parts: readonly PartUrl[], expiresAt: string): void {
    for (const part of parts) this.urls.set(part.partNumber, { part, expiresAt: Date.parse(expiresAt) });
  }

  forget(partNumber: number): void {
    this.urls.delete(partNumber);
  }

  /** When the part's current URL expires, in epoch milliseconds. */
  expiresAt(partNumber: number): number | undefined {
    return this.urls.get(partNumber)?.expiresAt;
  }

  async get(partNumber: number): Promise<PartUrl> {
    const cached = this.urls.get(partNumber);
    if (cached && cached.expiresAt - this.context.now() > EXPIRY_MARGIN_MS) return cached.part;
    if (this.context.checksums) await this.checksums.of(partNumber);
    await (this.pending.get(partNumber) ?? this.fetchFrom(partNumber));
    const fetched = this.urls.get(partNumber);
    if (!fetched) throw new FileApiError(0, 'INVALID_PARTS', `The API signed no URL for part ${partNumber}.`);
    return fetched.part;
  }

  /** Asks for this part and the next ones still without a fresh URL, up to a batch. */
  private fetchFrom(partNumber: number): Promise<void> {
    const { plan, signal } = this.context;
    const partNumbers: number[] = [];
    for (let next = partNumber; next <= plan.partCount && partNumbers.length < MAX_PARTS_PER_BATCH; next += 1) {
      const cached = this.urls.get(next);
      // With checksums, only parts already hashed: their URL signs their SHA-256.
      const askable = !this.context.checksums || this.checksums.has(next);
      if (askable && (next === partNumber || !cached || cached.expiresAt - this.context.now() <= EXPIRY_MARGIN_MS)) {
        if (!this.pending.has(next) && (next === partNumber || !this.held(next))) partNumbers.push(next);
      }
    }
    const body = async () =>
      this.context.checksums
        ? { partNumbers, checksumsSha256: await Promise.all(partNumbers.map((number) => this.checksums.of(number))) }
        : { partNumbers };
    const request = withRetries(async () => this.context.call<PartUrls>('POST', `/uploads/${plan.id}/parts`, await body(), signal), {
      retries: this.context.retries,
      signal,
      sleep: this.context.sleep,
    }).then((answer) => this.add(answer.parts, answer.expiresAt));
    const settled = request.finally(() => {
      for (const number of partNumbers) this.pending.delete(number);
    });
    for (const number of partNumbers) this.pending.set(number, settled);
    return settled;
  }
}
