/**
 * The `uploads` function: signs upload URLs with the UploaderRole, which may only write under
 * `users/${aws:PrincipalTag/userId}/`.
 *
 * `POST /uploads` `{filename, contentType, size, checksumSha256?}` →
 * `{key, method: 'PUT', url, headers, expiresAt}`: one presigned PUT that signs the exact
 * size, type, checksum and `if-none-match: *`, so S3 itself refuses any other body or an
 * overwrite.
 */
import * as v from 'valibot';
import type { SinglePutUpload } from '../client/api-types';
import { encodeRfc5987 } from './shared/content-disposition';
import { signingDependencies, type SigningDependencies } from './shared/environment';
import { ApiError } from './shared/errors';
import { apiHandler, jsonRoute, type ApiResult, type Caller } from './shared/http';
import { checkedFileName, extensionOf, newObjectKey, safeFileName } from './shared/keys';
import { S3_LIMITS, type FileServiceLimits } from './shared/limits';
import { audit } from './shared/logs';
import { recordUploadDeclared, recordUrlIssued } from './shared/metrics';
import type { RouteKey } from './shared/routes';

/** What the uploads function depends on; tests pass fakes. */
export type UploadsDependencies = SigningDependencies;

/** The body of `POST /uploads`. */
export const UploadRequestSchema = v.strictObject({
  filename: v.string('must be a string'),
  contentType: v.pipe(v.string('must be a string'), v.maxLength(255, 'must be at most 255 characters')),
  size: v.pipe(v.number('must be a number'), v.integer('must be a whole number of bytes'), v.minValue(1, 'must be at least 1 byte')),
  checksumSha256: v.optional(
    v.pipe(v.string('must be a string'), v.regex(/^[A-Za-z0-9+/]{43}=$/, 'must be the base64-encoded SHA-256 of the file')),
  ),
});

/** A validated upload request. */
export type UploadRequest = v.InferOutput<typeof UploadRequestSchema>;

/** Creates the uploads handler around its dependencies. */
export function createUploadsHandler(dependencies: UploadsDependencies) {
  return apiHandler<RouteKey<'uploads'>>({
    'POST /uploads': jsonRoute(UploadRequestSchema, (input, caller) => createUpload(dependencies, input, caller)),
  });
}

async function createUpload(deps: UploadsDependencies, input: UploadRequest, caller: Caller): Promise<ApiResult> {
  const { limits, sessions, signer } = deps;
  const filename = checkedFileName(input.filename);
  const { contentType, extension } = allowedType(input.contentType, filename, limits);
  checkSize(input.size, limits);

  const key = newObjectKey(caller.sub, safeFileName(filename, extension));
  const headers: Record<string, string> = {
    'content-type': contentType,
    'content-length': String(input.size),
    'if-none-match': '*',
    ...(input.checksumSha256 && { 'x-amz-checksum-sha256': input.checksumSha256 }),
    'x-amz-meta-filename': encodeRfc5987(filename),
  };
  const ttl = limits.uploadUrlTtlSeconds;
  const session = await sessions.sessionFor(caller.sub, ttl);
  const { url, expiresAt } = await signer.presign(session, { method: 'PUT', key, headers }, ttl);
  const answer: SinglePutUpload = { key, method: 'PUT', url, headers, expiresAt: new Date(expiresAt).toISOString() };
  recordUrlIssued('upload');
  recordUploadDeclared(input.size, contentType);
  audit({
    operation: 'upload',
    userId: caller.sub,
    key,
    expiresAt: answer.expiresAt,
    sourceIp: caller.sourceIp,
    requestId: caller.requestId,
    size: input.size,
    contentType,
  });
  return { status: 200, body: answer };
}

/** The content type must be on the allow-list (415) and the file name must carry one of its extensions (415). */
function allowedType(requested: string, filename: string, limits: FileServiceLimits): { contentType: string; extension: string } {
  const contentType = requested.trim().toLowerCase();
  const extensions = Object.hasOwn(limits.allowedContentTypes, contentType) ? limits.allowedContentTypes[contentType] : undefined;
  if (!extensions) throw new ApiError('UNSUPPORTED_TYPE', `Content type '${contentType}' is not allowed.`);
  const extension = extensionOf(filename);
  if (!extension || !extensions.includes(extension)) {
    const expected = extensions.map((candidate) => `.${candidate}`).join(' or ');
    throw new ApiError('TYPE_MISMATCH', `A ${contentType} file name must end in ${expected}.`);
  }
  return { contentType, extension };
}

function checkSize(size: number, limits: FileServiceLimits): void {
  const max = Math.min(limits.maxUploadBytes, S3_LIMITS.maxSinglePutBytes);
  if (size > max) throw new ApiError('FILE_TOO_LARGE', `Files may be at most ${max} bytes.`);
}

/** The deployed handler: dependencies from the Lambda environment, read once at init. */
export const handler = createUploadsHandler(signingDependencies(process.env, 'UPLOADER_ROLE_ARN'));
