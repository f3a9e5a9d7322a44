/**
 * The `uploads` function: signs upload URLs with the UploaderRole, which may only write under
 * `users/${aws:PrincipalTag/userId}/`.
 *
 * - `POST /uploads` `{filename, contentType, size, checksumSha256?}` → one presigned PUT that
 *   signs the exact size, type, checksum and `if-none-match: *`, so S3 itself refuses any other
 *   body or an overwrite; or, above the multipart threshold, a multipart plan with the first
 *   part URLs, each signing its exact length.
 * - `POST /uploads/parts` `{key, uploadId, partNumbers}` → more part URLs, or fresh ones.
 * - `POST /uploads/complete` `{key, uploadId, parts}` → `{key, size}`.
 * - `POST /uploads/abort` `{key, uploadId}` → 204.
 *
 * Every call after the first proves the key is under the caller's own prefix before anything
 * else (403), and S3 binds the upload id to the key (404 when they do not match).
 */
import type * as v from 'valibot';
import type { CompletedUpload, MultipartUpload, PartUrl, PartUrls, SinglePutUpload } from '../contract/answers';
import { MAX_PARTS_PER_BATCH, S3_LIMITS } from '../contract/constants';
import { AbortUploadRequestSchema, CompleteUploadRequestSchema, PartUrlsRequestSchema, UploadRequestSchema } from '../contract/requests';
import { urlIssued } from './shared/audit';
import { encodeRfc5987 } from './shared/content-disposition';
import { signingDependencies, type SigningDependencies } from './shared/dependencies';
import { ApiError } from './shared/errors';
import { apiHandler, jsonRoute, type ApiResult, type Caller } from './shared/http';
import { authorizeKey, checkedFileName, extensionOf, FILENAME_METADATA_HEADER, newObjectKey, safeFileName } from './shared/keys';
import { recordPartsSigned, recordUploadDeclared } from './shared/metrics';
import { abortMultipartUpload, assertUploadExists, completeMultipartUpload, createMultipartUpload } from './shared/multipart-uploads';
import { partLength, planParts, type PartPlan } from './shared/multipart-plan';
import type { RoleSession } from './shared/role-sessions';
import type { HandlerSettings } from './shared/settings';

/** What the uploads function depends on; tests pass fakes. */
export type UploadsDependencies = SigningDependencies;

type UploadRequest = v.InferOutput<typeof UploadRequestSchema>;
type PartUrlsRequest = v.InferOutput<typeof PartUrlsRequestSchema>;
type CompleteUploadRequest = v.InferOutput<typeof CompleteUploadRequestSchema>;
type AbortUploadRequest = v.InferOutput<typeof AbortUploadRequestSchema>;

/** Creates the uploads handler around its dependencies. */
export function createUploadsHandler(dependencies: UploadsDependencies) {
  return apiHandler('uploads', {
    'POST /uploads': jsonRoute(UploadRequestSchema, (input, caller) => createUpload(dependencies, input, caller)),
    'POST /uploads/parts': jsonRoute(PartUrlsRequestSchema, (input, caller) => signMoreParts(dependencies, input, caller)),
    'POST /uploads/complete': jsonRoute(CompleteUploadRequestSchema, (input, caller) => completeUpload(dependencies, input, caller)),
    'POST /uploads/abort': jsonRoute(AbortUploadRequestSchema, (input, caller) => abortUpload(dependencies, input, caller)),
  });
}

async function createUpload(deps: UploadsDependencies, input: UploadRequest, caller: Caller): Promise<ApiResult> {
  const { settings } = deps;
  const filename = checkedFileName(input.filename);
  const { contentType, extension } = allowedType(input.contentType, filename, settings);
  checkSize(input, settings);
  recordUploadDeclared(input.size, contentType);
  const safeName = safeFileName(filename, extension);
  const upload = { filename, contentType, size: input.size, checksumSha256: input.checksumSha256 };
  // Only a single PUT lets S3 verify a whole-object SHA-256, so a checksum keeps the file in one PUT.
  return input.size > settings.multipartThresholdBytes && !input.checksumSha256
    ? startMultipart(deps, caller, { ...upload, key: newObjectKey(caller.sub, safeName, input.size) })
    : signSinglePut(deps, caller, { ...upload, key: newObjectKey(caller.sub, safeName) });
}

interface NewUpload {
  readonly key: string;
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
  readonly checksumSha256?: string;
}

async function signSinglePut(deps: UploadsDependencies, caller: Caller, upload: NewUpload): Promise<ApiResult> {
  const headers: Record<string, string> = {
    'content-type': upload.contentType,
    'content-length': String(upload.size),
    'if-none-match': '*',
    ...(upload.checksumSha256 && { 'x-amz-checksum-sha256': upload.checksumSha256 }),
    [FILENAME_METADATA_HEADER]: encodeRfc5987(upload.filename),
  };
  const ttl = deps.settings.uploadUrlTtlSeconds;
  const session = await deps.sessions.sessionFor(caller.sub, ttl, caller.signal);
  const { url, expiresAt } = await deps.signer.presign(session, { method: 'PUT', key: upload.key, headers }, ttl);
  const answer: SinglePutUpload = { key: upload.key, method: 'PUT', url, headers, expiresAt: new Date(expiresAt).toISOString() };
  urlIssued(caller, {
    operation: 'upload',
    key: upload.key,
    expiresAt: answer.expiresAt,
    details: { size: upload.size, contentType: upload.contentType },
  });
  return { status: 200, body: answer };
}

async function startMultipart(deps: UploadsDependencies, caller: Caller, upload: NewUpload): Promise<ApiResult> {
  const plan = planParts(upload.size);
  const ttl = deps.settings.uploadUrlTtlSeconds;
  const session = await deps.sessions.sessionFor(caller.sub, ttl, caller.signal);
  const uploadId = await createMultipartUpload(
    session,
    deps.location,
    {
      key: upload.key,
      contentType: upload.contentType,
      encodedFilename: encodeRfc5987(upload.filename),
    },
    caller.signal,
  );
  const firstParts = Array.from({ length: Math.min(plan.partCount, MAX_PARTS_PER_BATCH) }, (_, index) => index + 1);
  const { parts, expiresAt } = await signParts(deps, session, { key: upload.key, uploadId, plan, partNumbers: firstParts });
  const answer: MultipartUpload = { key: upload.key, uploadId, partSize: plan.partSize, partCount: plan.partCount, parts, expiresAt };
  urlIssued(caller, {
    operation: 'upload',
    action: 'upload-multipart',
    key: upload.key,
    expiresAt,
    details: { size: upload.size, contentType: upload.contentType, partCount: plan.partCount, partNumbers: firstParts },
  });
  return { status: 200, body: answer };
}

async function signMoreParts(deps: UploadsDependencies, input: PartUrlsRequest, caller: Caller): Promise<ApiResult> {
  const { key, plan } = authorizedMultipartKey(input.key, caller);
  const outOfPlan = input.partNumbers.find((partNumber) => partNumber > plan.partCount);
  if (outOfPlan !== undefined) {
    throw new ApiError('INVALID_PARTS', `partNumbers must be from 1 to ${plan.partCount}; ${outOfPlan} is not.`);
  }
  const ttl = deps.settings.uploadUrlTtlSeconds;
  const session = await deps.sessions.sessionFor(caller.sub, ttl, caller.signal);
  await assertUploadExists(session, deps.location, key, input.uploadId, caller.signal);
  const { parts, expiresAt } = await signParts(deps, session, { key, uploadId: input.uploadId, plan, partNumbers: input.partNumbers });
  const answer: PartUrls = { key, uploadId: input.uploadId, parts, expiresAt };
  urlIssued(caller, {
    operation: 'upload',
    action: 'upload-parts',
    key,
    expiresAt,
    details: { partNumbers: input.partNumbers },
    counted: false,
  });
  return { status: 200, body: answer };
}

async function completeUpload(deps: UploadsDependencies, input: CompleteUploadRequest, caller: Caller): Promise<ApiResult> {
  const { key, plan } = authorizedMultipartKey(input.key, caller);
  const parts = [...input.parts].sort((a, b) => a.partNumber - b.partNumber);
  const listed = new Set(parts.map(({ partNumber }) => partNumber));
  const missing = Array.from({ length: plan.partCount }, (_, index) => index + 1).filter((partNumber) => !listed.has(partNumber));
  if (listed.size !== parts.length) throw new ApiError('INVALID_PARTS', 'parts must list each part once.');
  if (missing.length > 0 || parts.length !== plan.partCount) {
    const detail = missing.length > 0 ? `missing ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? '…' : ''}` : 'too many parts';
    throw new ApiError('INVALID_PARTS', `parts must list all ${plan.partCount} parts: ${detail}.`);
  }
  const session = await deps.sessions.sessionFor(caller.sub, 60, caller.signal);
  const quoted = parts.map(({ partNumber, etag }) => ({ partNumber, etag: `"${etag.replace(/"/g, '')}"` }));
  await completeMultipartUpload(session, deps.location, { key, uploadId: input.uploadId, size: plan.size, parts: quoted }, caller.signal);
  const answer: CompletedUpload = { key, size: plan.size };
  return { status: 200, body: answer };
}

async function abortUpload(deps: UploadsDependencies, input: AbortUploadRequest, caller: Caller): Promise<ApiResult> {
  const { key } = authorizedMultipartKey(input.key, caller);
  const session = await deps.sessions.sessionFor(caller.sub, 60, caller.signal);
  await abortMultipartUpload(session, deps.location, key, input.uploadId, caller.signal);
  return { status: 204 };
}

/** Authorizes a multipart key as the caller's own (400 malformed, 403 another user's) and gives the plan its declared size implies. */
function authorizedMultipartKey(key: string, caller: Caller): { key: string; plan: PartPlan } {
  const object = authorizeKey(key, caller.sub, 'write');
  // A single-PUT key has no multipart upload: no upload id can match it.
  if (object.declaredSize === undefined) throw new ApiError('NOT_FOUND', 'No upload with this id for this key.');
  return { key: object.key, plan: planParts(object.declaredSize) };
}

/** Presigned PUTs for the given parts, each signing its exact length. */
async function signParts(
  deps: UploadsDependencies,
  session: RoleSession,
  request: { key: string; uploadId: string; plan: PartPlan; partNumbers: readonly number[] },
): Promise<{ parts: PartUrl[]; expiresAt: string }> {
  const ttl = deps.settings.uploadUrlTtlSeconds;
  const signed = await Promise.all(
    request.partNumbers.map(async (partNumber) => {
      const headers = { 'content-length': String(partLength(request.plan, partNumber)) };
      const query = { partNumber: String(partNumber), uploadId: request.uploadId };
      const { url, expiresAt } = await deps.signer.presign(session, { method: 'PUT', key: request.key, headers, query }, ttl);
      return { part: { partNumber, url, headers }, expiresAt };
    }),
  );
  recordPartsSigned(signed.length);
  const expiresAt = Math.min(...signed.map((entry) => entry.expiresAt));
  return { parts: signed.map((entry) => entry.part), expiresAt: new Date(expiresAt).toISOString() };
}

/** The content type must be on the allow-list (415) and the file name must carry one of its extensions (415). */
function allowedType(requested: string, filename: string, settings: HandlerSettings): { contentType: string; extension: string } {
  const contentType = requested.trim().toLowerCase();
  const extensions = Object.hasOwn(settings.allowedContentTypes, contentType) ? settings.allowedContentTypes[contentType] : undefined;
  if (!extensions) throw new ApiError('UNSUPPORTED_TYPE', `Content type '${contentType}' is not allowed.`);
  const extension = extensionOf(filename);
  if (!extension || !extensions.includes(extension)) {
    const expected = extensions.map((candidate) => `.${candidate}`).join(' or ');
    throw new ApiError('TYPE_MISMATCH', `A ${contentType} file name must end in ${expected}.`);
  }
  return { contentType, extension };
}

/** Within the configured maximum, S3's 5 TiB, and, for a checksummed single PUT, S3's 5 GiB. */
function checkSize(input: UploadRequest, settings: HandlerSettings): void {
  const max = Math.min(settings.maxUploadBytes, S3_LIMITS.maxObjectBytes);
  if (input.size > max) throw new ApiError('FILE_TOO_LARGE', `Files may be at most ${max} bytes.`);
  const singlePut = input.checksumSha256 !== undefined || input.size <= settings.multipartThresholdBytes;
  if (singlePut && input.size > S3_LIMITS.maxSinglePutBytes) {
    throw new ApiError('FILE_TOO_LARGE', `S3 verifies checksumSha256 in a single PUT of at most ${S3_LIMITS.maxSinglePutBytes} bytes.`);
  }
}

/** The deployed handler: dependencies from the Lambda environment, read once at init. */
export const handler = createUploadsHandler(signingDependencies(process.env));
