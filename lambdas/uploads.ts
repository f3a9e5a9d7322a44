/**
 * The `uploads` function: signs upload URLs with the UploaderRole, which may only write under
 * `users/${aws:PrincipalTag/userId}/` and never set object tags, and writes each file's record.
 *
 * - `POST /uploads` `{filename, contentType, size, checksumSha256?, partChecksums?}` → a `pending`
 *   record and one presigned PUT that signs the exact size, type, checksum and `if-none-match: *`,
 *   so S3 itself refuses any other body or an overwrite; or, above the multipart threshold (or
 *   with `partChecksums` and no whole-file checksum), a multipart plan with the first part URLs,
 *   each signing its exact length. With `partChecksums` no URL comes yet: each part's URL signs
 *   its SHA-256, which the client sends when it asks for it.
 * - `GET /uploads/{id}` → the parts S3 already holds (resume after a reload).
 * - `POST /uploads/{id}/parts` `{partNumbers, checksumsSha256?}` → more part URLs, or fresh ones.
 * - `POST /uploads/{id}/complete` `{parts}` → the record, `pending` until the verifier has read it.
 * - `DELETE /uploads/{id}` → 204: the upload aborted and its record gone.
 *
 * The key and the S3 upload id live in the record and never come from the client: every call
 * after the first names the file by id, looked up among the caller's own records (404 otherwise).
 */
import type * as v from 'valibot';
import type { MultipartUpload, PartUrl, PartUrls, SinglePutUpload, UploadProgressState } from '../contract/answers';
import { MAX_PARTS_PER_BATCH, S3_LIMITS } from '../contract/constants';
import { CompleteUploadRequestSchema, PartUrlsRequestSchema, UploadRequestSchema } from '../contract/requests';
import { urlIssued } from './shared/audit';
import { encodeRfc5987 } from './shared/content-disposition';
import { signingDependencies, type SigningDependencies } from './shared/dependencies';
import { ApiError } from './shared/errors';
import { apiHandler, idJsonRoute, idRoute, jsonRoute, type ApiResult, type Caller } from './shared/http';
import { checkedFileName, extensionOf, FILENAME_METADATA_HEADER, newFileId, objectKeyOf, safeFileName } from './shared/keys';
import { recordPartsSigned, recordUploadDeclared } from './shared/metrics';
import {
  abortMultipartUpload,
  assertUploadExists,
  completeMultipartUpload,
  createMultipartUpload,
  listUploadedParts,
} from './shared/multipart-uploads';
import { partLength, planParts, type PartPlan } from './shared/multipart-plan';
import { planFor, type Plan } from './shared/plans';
import { expiryOf, publicRecord, type StoredRecord } from './shared/records';
import type { RoleSession } from './shared/role-sessions';
import { settleUsage, withReservation } from './shared/storage-quota';
import type { HandlerSettings } from './shared/settings';

/** What the uploads function depends on; tests pass fakes. */
export type UploadsDependencies = SigningDependencies;

type UploadRequest = v.InferOutput<typeof UploadRequestSchema>;
type PartUrlsRequest = v.InferOutput<typeof PartUrlsRequestSchema>;
type CompleteUploadRequest = v.InferOutput<typeof CompleteUploadRequestSchema>;

/** Creates the uploads handler around its dependencies. */
export function createUploadsHandler(dependencies: UploadsDependencies) {
  return apiHandler('uploads', {
    'POST /uploads': jsonRoute(UploadRequestSchema, (input, caller) => createUpload(dependencies, input, caller)),
    'GET /uploads/{id}': idRoute((id, caller) => uploadState(dependencies, id, caller)),
    'POST /uploads/{id}/parts': idJsonRoute(PartUrlsRequestSchema, (id, input, caller) => signMoreParts(dependencies, id, input, caller)),
    'POST /uploads/{id}/complete': idJsonRoute(CompleteUploadRequestSchema, (id, input, caller) =>
      completeUpload(dependencies, id, input, caller),
    ),
    'DELETE /uploads/{id}': idRoute((id, caller) => abortUpload(dependencies, id, caller)),
  });
}

interface NewUpload {
  readonly id: string;
  readonly key: string;
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
  readonly checksumSha256?: string;
  readonly partChecksums?: boolean;
}

async function createUpload(deps: UploadsDependencies, input: UploadRequest, caller: Caller): Promise<ApiResult> {
  const { settings } = deps;
  const filename = checkedFileName(input.filename);
  const { contentType, extension } = allowedType(input.contentType, filename, settings);
  checkSize(input, settings);
  // Before any STS call: a flood costs one table write per request, never a role session.
  const plan = planFor(settings, caller.groups);
  checkPlanSize(input.size, plan);
  await deps.rates?.take(caller.sub, 'upload', plan, deps.now?.() ?? new Date(), caller.signal);
  recordUploadDeclared(input.size);
  const id = newFileId();
  const upload: NewUpload = {
    id,
    key: objectKeyOf(caller.sub, id, safeFileName(filename, extension)),
    filename,
    contentType,
    size: input.size,
    checksumSha256: input.checksumSha256,
    partChecksums: input.partChecksums,
  };
  // Room is reserved before any STS call and released if issuing the URL fails.
  const reservation = {
    sub: caller.sub,
    id,
    size: input.size,
    plan,
    now: deps.now?.() ?? new Date(),
    urlTtlSeconds: settings.uploadUrlTtlSeconds,
  };
  return withReservation(deps.usage, { ...reservation, signal: caller.signal }, () =>
    goesInParts(input, settings)
      ? startMultipart(deps, caller, { ...upload, checksumSha256: undefined })
      : signSinglePut(deps, caller, upload),
  );
}

/**
 * Above the threshold a file goes in parts: with `partChecksums`, each part's SHA-256 verified by
 * S3. Only a single PUT lets S3 verify a whole-object SHA-256, so a whole-file checksum alone
 * (without `partChecksums`, as before) keeps the file in one PUT; a client that sends both gets
 * the single PUT below the threshold and parts above it. `partChecksums` alone always goes in parts.
 */
function goesInParts(input: UploadRequest, settings: HandlerSettings): boolean {
  if (input.partChecksums) return !input.checksumSha256 || input.size > settings.multipartThresholdBytes;
  return input.size > settings.multipartThresholdBytes && !input.checksumSha256;
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
  const session = await deps.sessions.sessionFor(caller, ttl);
  const { url, expiresAt, expiresIn } = await deps.signer.presign(session, { method: 'PUT', key: upload.key, headers }, ttl);
  await deps.records.createPending(newRecord(deps, caller, upload, expiresAt));
  const answer: SinglePutUpload = {
    id: upload.id,
    key: upload.key,
    status: 'pending',
    method: 'PUT',
    url,
    headers,
    expiresAt: new Date(expiresAt).toISOString(),
  };
  urlIssued(caller, {
    operation: 'upload',
    fileId: upload.id,
    expiresIn,
    // The line's `UploadBytes` is the size: not written twice. The type is the allow-list entry,
    // never the client's text, so the dashboard's count by type has bounded rows.
    details: { contentType: upload.contentType },
  });
  return { status: 200, body: answer };
}

async function startMultipart(deps: UploadsDependencies, caller: Caller, upload: NewUpload): Promise<ApiResult> {
  const plan = planParts(upload.size);
  const ttl = deps.settings.uploadUrlTtlSeconds;
  const session = await deps.sessions.sessionFor(caller, ttl);
  const uploadId = await createMultipartUpload(
    await deps.sessions.sessionFor(caller, 60, 'server'),
    deps.location,
    {
      key: upload.key,
      contentType: upload.contentType,
      encodedFilename: encodeRfc5987(upload.filename),
      partChecksums: upload.partChecksums,
    },
    caller.signal,
  );
  // With part checksums a URL can only be signed once the client sent the part's SHA-256.
  const firstParts = upload.partChecksums
    ? []
    : Array.from({ length: Math.min(plan.partCount, MAX_PARTS_PER_BATCH) }, (_, index) => index + 1);
  const { parts, expiresAt, expiresIn } =
    firstParts.length > 0
      ? await signParts(deps, session, { key: upload.key, uploadId, plan, partNumbers: firstParts })
      : { parts: [], expiresAt: new Date((deps.now?.() ?? new Date()).getTime() + ttl * 1000).toISOString(), expiresIn: ttl };
  await deps.records.createPending({
    ...newRecord(deps, caller, upload, Date.parse(expiresAt)),
    uploadId,
    ...(upload.partChecksums && { partChecksums: true }),
  });
  const answer: MultipartUpload = {
    id: upload.id,
    key: upload.key,
    status: 'pending',
    partSize: plan.partSize,
    partCount: plan.partCount,
    parts,
    expiresAt,
  };
  urlIssued(caller, {
    operation: 'upload',
    action: 'upload-multipart',
    fileId: upload.id,
    expiresIn,
    details: { contentType: upload.contentType, partCount: plan.partCount, partNumbers: firstParts },
  });
  return { status: 200, body: answer };
}

function newRecord(deps: UploadsDependencies, caller: Caller, upload: NewUpload, urlExpiresAt: number) {
  return {
    id: upload.id,
    owner: caller.sub,
    key: upload.key,
    name: upload.filename,
    size: upload.size,
    contentType: upload.contentType,
    createdAt: (deps.now?.() ?? new Date()).toISOString(),
    urlExpiresAt,
    ...(upload.checksumSha256 && { checksumSha256: upload.checksumSha256 }),
  };
}

async function uploadState(deps: UploadsDependencies, id: string, caller: Caller): Promise<ApiResult> {
  const { record, uploadId, plan } = await multipartRecord(deps, id, caller);
  const session = await deps.sessions.sessionFor(caller, 60, 'server');
  const uploadedParts = await listUploadedParts(session, deps.location, record.key, uploadId, caller.signal);
  const answer: UploadProgressState = { id, partSize: plan.partSize, partCount: plan.partCount, uploadedParts };
  return { status: 200, body: answer };
}

async function signMoreParts(deps: UploadsDependencies, id: string, input: PartUrlsRequest, caller: Caller): Promise<ApiResult> {
  const { record, uploadId, plan } = await multipartRecord(deps, id, caller);
  const outOfPlan = input.partNumbers.find((partNumber) => partNumber > plan.partCount);
  if (outOfPlan !== undefined) {
    throw new ApiError('INVALID_PARTS', `partNumbers must be from 1 to ${plan.partCount}; ${outOfPlan} is not.`);
  }
  const checksums = partChecksumsOf(record, input);
  const ttl = deps.settings.uploadUrlTtlSeconds;
  const session = await deps.sessions.sessionFor(caller, ttl);
  await assertUploadExists(await deps.sessions.sessionFor(caller, 60, 'server'), deps.location, record.key, uploadId, caller.signal);
  const { parts, expiresAt, expiresIn } = await signParts(deps, session, {
    key: record.key,
    uploadId,
    plan,
    partNumbers: input.partNumbers,
    checksums,
  });
  await deps.records.extendExpiry(id, caller.sub, Date.parse(expiresAt));
  await deps.usage?.extend(caller.sub, id, expiryOf(Date.parse(expiresAt)));
  const answer: PartUrls = { id, parts, expiresAt };
  urlIssued(caller, {
    operation: 'upload',
    action: 'upload-parts',
    fileId: id,
    expiresIn,
    details: { partNumbers: input.partNumbers },
    counted: false,
  });
  return { status: 200, body: answer };
}

async function completeUpload(deps: UploadsDependencies, id: string, input: CompleteUploadRequest, caller: Caller): Promise<ApiResult> {
  const { record, uploadId, plan } = await multipartRecord(deps, id, caller);
  const parts = [...input.parts].sort((a, b) => a.partNumber - b.partNumber);
  const listed = new Set(parts.map(({ partNumber }) => partNumber));
  const missing = Array.from({ length: plan.partCount }, (_, index) => index + 1).filter((partNumber) => !listed.has(partNumber));
  if (listed.size !== parts.length) throw new ApiError('INVALID_PARTS', 'parts must list each part once.');
  if (missing.length > 0 || parts.length !== plan.partCount) {
    const detail = missing.length > 0 ? `missing ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? '…' : ''}` : 'too many parts';
    throw new ApiError('INVALID_PARTS', `parts must list all ${plan.partCount} parts: ${detail}.`);
  }
  if (record.partChecksums && parts.some((part) => !part.checksumSha256)) {
    throw new ApiError('INVALID_PARTS', 'This upload verifies each part: every part must carry its checksumSha256.');
  }
  const session = await deps.sessions.sessionFor(caller, 60, 'server');
  const quoted = parts.map(({ partNumber, etag, checksumSha256 }) => ({
    partNumber,
    etag: `"${etag.replace(/"/g, '')}"`,
    ...(record.partChecksums && checksumSha256 && { checksumSha256 }),
  }));
  await completeMultipartUpload(session, deps.location, { key: record.key, uploadId, size: plan.size, parts: quoted }, caller.signal);
  // The object exists now: its record waits for the verifier, however late S3's event is.
  const completedAt = (deps.now?.() ?? new Date()).getTime();
  await deps.records.extendExpiry(id, caller.sub, completedAt);
  await deps.usage?.extend(caller.sub, id, expiryOf(completedAt));
  return { status: 200, body: publicRecord(record) };
}

async function abortUpload(deps: UploadsDependencies, id: string, caller: Caller): Promise<ApiResult> {
  const { record, uploadId } = await multipartRecord(deps, id, caller);
  const session = await deps.sessions.sessionFor(caller, 60, 'server');
  await abortMultipartUpload(session, deps.location, record.key, uploadId, caller.signal);
  await deps.records.removePending(id, caller.sub);
  await settleUsage(deps.usage, record, 'gone');
  return { status: 204 };
}

/** The caller's own pending multipart record (404 otherwise: another user's id reveals nothing) and its plan. */
async function multipartRecord(
  deps: UploadsDependencies,
  id: string,
  caller: Caller,
): Promise<{ record: StoredRecord; uploadId: string; plan: PartPlan }> {
  const record = await deps.records.own(id, caller.sub);
  if (!record?.uploadId || record.status !== 'pending') throw new ApiError('NOT_FOUND', 'No multipart upload in progress with this id.');
  return { record, uploadId: record.uploadId, plan: planParts(record.size) };
}

/**
 * The parts' checksums by part number, when the upload verifies each part (400 when one is missing);
 * none otherwise: a checksum the upload was not created for would make S3 refuse the part.
 */
function partChecksumsOf(record: StoredRecord, input: PartUrlsRequest): ReadonlyMap<number, string> | undefined {
  if (!record.partChecksums) {
    if (input.checksumsSha256)
      throw new ApiError('INVALID_PARTS', 'This upload was not started with partChecksums: send no checksumsSha256.');
    return undefined;
  }
  if (input.checksumsSha256?.length !== input.partNumbers.length) {
    throw new ApiError('INVALID_PARTS', 'This upload verifies each part: checksumsSha256 must give one checksum per part number.');
  }
  const checksums = input.checksumsSha256;
  return new Map(input.partNumbers.map((partNumber, index) => [partNumber, checksums[index] ?? '']));
}

/** Presigned PUTs for the given parts, each signing its exact length, and its SHA-256 when given. */
async function signParts(
  deps: UploadsDependencies,
  session: RoleSession,
  request: {
    key: string;
    uploadId: string;
    plan: PartPlan;
    partNumbers: readonly number[];
    checksums?: ReadonlyMap<number, string> | undefined;
  },
): Promise<{ parts: PartUrl[]; expiresAt: string; expiresIn: number }> {
  const ttl = deps.settings.uploadUrlTtlSeconds;
  const signed = await Promise.all(
    request.partNumbers.map(async (partNumber) => {
      const checksum = request.checksums?.get(partNumber);
      const headers: Record<string, string> = {
        'content-length': String(partLength(request.plan, partNumber)),
        ...(checksum && { 'x-amz-checksum-sha256': checksum }),
      };
      const query = { partNumber: String(partNumber), uploadId: request.uploadId };
      const { url, expiresAt, expiresIn } = await deps.signer.presign(session, { method: 'PUT', key: request.key, headers, query }, ttl);
      return { part: { partNumber, url, headers }, expiresAt, expiresIn };
    }),
  );
  recordPartsSigned(signed.length);
  const expiresAt = Math.min(...signed.map((entry) => entry.expiresAt));
  return {
    parts: signed.map((entry) => entry.part),
    expiresAt: new Date(expiresAt).toISOString(),
    expiresIn: Math.min(...signed.map((entry) => entry.expiresIn)),
  };
}

/**
 * The content type, or the allowed type it is an alias of, must be on the allow-list (415) and
 * the file name must carry one of its extensions (415). An alias answers the allowed type: it is
 * what the URL signs and the client then sends, so the object and its record carry one name.
 */
function allowedType(requested: string, filename: string, settings: HandlerSettings): { contentType: string; extension: string } {
  const named = requested.trim().toLowerCase();
  const contentType = (Object.hasOwn(settings.contentTypeAliases, named) && settings.contentTypeAliases[named]) || named;
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
  const singlePut = !goesInParts(input, settings);
  if (singlePut && input.size > S3_LIMITS.maxSinglePutBytes) {
    throw new ApiError('FILE_TOO_LARGE', `S3 verifies checksumSha256 in a single PUT of at most ${S3_LIMITS.maxSinglePutBytes} bytes.`);
  }
}

/** Within the caller's plan's largest file (413). */
function checkPlanSize(size: number, plan: Plan): void {
  if (size > plan.maxFileBytes) throw new ApiError('FILE_TOO_LARGE', `Your plan allows files of at most ${plan.maxFileBytes} bytes.`);
}

/** The deployed handler: dependencies from the Lambda environment, read once at init. */
export const handler = createUploadsHandler(signingDependencies(process.env));
