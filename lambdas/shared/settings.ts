/**
 * The file service's settings: one valibot schema holding every setting, its default and the
 * reason for it. CDK context (`cdk.json`, `-c name=value`), the construct's `settings` prop and
 * a Lambda's environment are three encodings of it, parsed here, never defined again; local
 * mode reads `cdk.json` through the same parser.
 *
 * The fixed values nobody should tune (body cap, page sizes, function memory) sit beside it,
 * each with its reason. This module must stay free of aws-cdk-lib and SDK imports: it is
 * bundled into every Lambda.
 */
import * as v from 'valibot';
import { S3_LIMITS } from '../../contract/constants';
import { ROUTES } from '../../contract/routes';
import { COGNITO_SIGN_IN_SCOPE } from './access-tokens';
import { DEFAULT_PLAN_LIMITS, NamedPlansSchema, PlanLimitsSchema } from './plans';
import { wholeNumber } from './whole-number';

/** Who may read an object: only its owner, or any signed-in user (e.g. profile photos). */
export type ReadAccess = 'owner' | 'authenticated';

/** Allowed MIME types, each with the lower-case file extensions (no dot) it may carry. */
export type ContentTypeAllowList = Readonly<Record<string, readonly string[]>>;

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/**
 * Margin added to the longest URL lifetime in the bucket policy's `s3:signatureAge` limit, for
 * the clock difference between the Lambda that signs and S3 that checks.
 */
export const CLOCK_SKEW_MARGIN_SECONDS = 60;

/** Lifetime of a signing role session: role chaining (a Lambda's role assuming another) caps it at one hour. */
export const ROLE_SESSION_SECONDS = 3600;

/**
 * Longest URL we can issue. A presigned URL dies with the credentials that signed it, so
 * longer URLs would be a lie; the margin keeps the bucket policy's signature-age limit within
 * the hour too.
 */
const MAX_URL_TTL_SECONDS = ROLE_SESSION_SECONDS - CLOCK_SKEW_MARGIN_SECONDS;

/** Safe defaults: images, documents, audio and video; nothing a browser would run (no HTML, SVG, JS). */
export const DEFAULT_CONTENT_TYPES: ContentTypeAllowList = {
  'image/jpeg': ['jpg', 'jpeg'],
  'image/png': ['png'],
  'image/gif': ['gif'],
  'image/webp': ['webp'],
  'image/avif': ['avif'],
  'image/heic': ['heic'],
  'application/pdf': ['pdf'],
  'text/plain': ['txt'],
  'text/csv': ['csv'],
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': ['docx'],
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': ['xlsx'],
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': ['pptx'],
  'audio/mpeg': ['mp3'],
  'audio/mp4': ['m4a'],
  'video/mp4': ['mp4', 'm4v'],
  'video/webm': ['webm'],
  'video/quicktime': ['mov'],
};

/**
 * Other names browsers and systems give the default allowed types (Chromium sends `.m4a` as
 * `audio/x-m4a`, `.heic` as `image/heif`), each mapped to the allowed type it stands for.
 */
export const DEFAULT_CONTENT_TYPE_ALIASES: Readonly<Record<string, string>> = {
  'audio/x-m4a': 'audio/mp4',
  'audio/m4a': 'audio/mp4',
  'image/heif': 'image/heic',
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'image/x-png': 'image/png',
  'audio/mp3': 'audio/mpeg',
  'audio/x-mp3': 'audio/mpeg',
  'video/x-m4v': 'video/mp4',
  'application/x-pdf': 'application/pdf',
};

/** The retention periods CloudWatch Logs accepts, in days. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;
const EXTENSION = /^[a-z0-9]{1,10}$/;
const ORIGIN = /^(https:\/\/[a-z0-9.-]+(:\d{1,5})?|http:\/\/(localhost|127\.0\.0\.1)(:\d{1,5})?)$/;

/** A setting: its schema, its default and why it is what it is (the README's configuration table shows the reason). */
const setting = <Schema extends v.GenericSchema>(schema: Schema, fallback: v.InferOutput<Schema>, reason: string) =>
  v.pipe(v.optional(schema, fallback as never), v.description(reason));

/** What the handlers read: carried into each function's environment. */
const handlerEntries = {
  readAccess: setting(
    v.picklist(['owner', 'authenticated'], "readAccess must be 'owner' or 'authenticated'"),
    'owner',
    'Who may read a file: its owner only, or any signed-in user (avatars, shared media).',
  ),
  maxUploadBytes: setting(
    wholeNumber('maxUploadBytes', 1, S3_LIMITS.maxObjectBytes),
    5 * GiB,
    'Largest file a user may upload; S3 itself refuses more (the size is signed).',
  ),
  allowedContentTypes: setting(
    v.pipe(
      v.record(
        v.pipe(v.string(), v.regex(MIME_TYPE, 'allowedContentTypes: each type must be a lower-case type/subtype')),
        v.pipe(
          v.array(v.pipe(v.string(), v.regex(EXTENSION, 'allowedContentTypes: extensions are lower-case, without a dot'))),
          v.minLength(1, 'allowedContentTypes: each type needs at least one extension'),
        ),
        'allowedContentTypes must map content types to lists of extensions',
      ),
      v.check((types) => Object.keys(types).length > 0, 'allowedContentTypes must name at least one content type'),
    ),
    DEFAULT_CONTENT_TYPES as Record<string, string[]>,
    'Images, PDF, plain text, CSV, Office documents, audio and video; nothing a browser would run (no HTML, SVG, JS).',
  ),
  uploadUrlTtlSeconds: setting(
    wholeNumber('uploadUrlTtlSeconds', 60, MAX_URL_TTL_SECONDS),
    600,
    'Long enough to start a large upload on a slow link; parts are re-signed when they expire.',
  ),
  downloadUrlTtlSeconds: setting(
    wholeNumber('downloadUrlTtlSeconds', 60, MAX_URL_TTL_SECONDS),
    300,
    'A download URL is used at once; a short life limits what a leaked one gives away.',
  ),
  maxDownloadUrlTtlSeconds: setting(
    wholeNumber('maxDownloadUrlTtlSeconds', 60, MAX_URL_TTL_SECONDS),
    3300,
    'Longest `expiresIn` a client may ask for (a long video); below the one-hour cap of role chaining.',
  ),
  multipartThresholdBytes: setting(
    wholeNumber('multipartThresholdBytes', S3_LIMITS.minPartBytes, S3_LIMITS.maxSinglePutBytes),
    100 * MiB,
    'Above it a file goes in parts: resumable, parallel, and past the 5 GiB of one PUT.',
  ),
  bindUrlsToSourceIp: setting(
    v.boolean('bindUrlsToSourceIp must be true or false'),
    false,
    "Sign URLs with role sessions that S3 only honours from the caller's IP, as API Gateway saw it: a leaked URL fails elsewhere (see the caveats).",
  ),
  malwareScanning: setting(
    v.boolean('malwareScanning must be true or false'),
    false,
    'Scan every upload with GuardDuty Malware Protection for S3; a file is available only once the scan found no threat. Off by default: it costs per GB and per object, and adds the scan to the wait.',
  ),
  scanFailurePolicy: setting(
    v.picklist(['reject', 'available'], "scanFailurePolicy must be 'reject' or 'available'"),
    'reject',
    'With scanning on, what a scan that could not judge a file (unsupported, failed, access denied) does: reject it (SCAN_FAILED), or let it become available with the result recorded. Rejecting fails closed.',
  ),
  defaultPlan: setting(
    PlanLimitsSchema,
    DEFAULT_PLAN_LIMITS,
    'Limits of a user in no planned group: storage, file count, largest file, upload and download URLs per minute, pending uploads, longest download URL.',
  ),
  plans: setting(
    NamedPlansSchema,
    {},
    'Plans by Cognito group (`cognito:groups`), same fields as `defaultPlan` (unset ones take its defaults); a user in several groups gets the first listed.',
  ),
  contentTypeAliases: setting(
    v.record(
      v.pipe(v.string(), v.regex(MIME_TYPE, 'contentTypeAliases: each alias must be a lower-case type/subtype')),
      v.pipe(v.string(), v.regex(MIME_TYPE, 'contentTypeAliases: each target must be a lower-case type/subtype')),
      'contentTypeAliases must map content types to allowed content types',
    ),
    DEFAULT_CONTENT_TYPE_ALIASES as Record<string, string>,
    "Other names of allowed types (Chromium's `audio/x-m4a` for `audio/mp4`, `image/heif` for `image/heic`): accepted, recorded and signed as the allowed type. Default aliases whose target is not allowed are dropped.",
  ),
};

/** What only the construct reads: CORS, throttling, logs, what stack deletion does. */
const deploymentEntries = {
  allowedOrigins: setting(
    v.array(
      v.pipe(v.string(), v.regex(ORIGIN, 'allowedOrigins must be https:// origins (or http://localhost) without paths or wildcards')),
      'allowedOrigins must be a list of origins',
    ),
    ['http://localhost:3000'],
    'Browser origins allowed to call the API and the bucket (CORS); the default only suits local development.',
  ),
  throttleRateLimit: setting(
    wholeNumber('throttleRateLimit', 1, 10_000),
    100,
    "Steady requests per second of the API's default route: a flood costs little before it is refused.",
  ),
  throttleBurstLimit: setting(wholeNumber('throttleBurstLimit', 1, 5000), 200, 'Requests the API absorbs at once above the rate.'),
  logRetentionDays: setting(
    v.picklist(LOG_RETENTION_DAYS, `logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(', ')}`),
    90,
    'How long function and API access logs are kept: a quarter covers most investigations.',
  ),
  accessLogRetentionDays: setting(
    wholeNumber('accessLogRetentionDays', 1, 3653),
    365,
    "How long the bucket's server access logs are kept: a year of who touched which object.",
  ),
  authorizationScopes: setting(
    v.pipe(
      v.array(v.pipe(v.string(), v.regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,256}$/, 'authorizationScopes must be OAuth scope names'))),
      v.minLength(1, 'authorizationScopes must name at least one scope: without one, ID tokens would be accepted'),
    ),
    [COGNITO_SIGN_IN_SCOPE],
    'Scopes every route requires (one suffices): only access tokens carry scopes, so ID tokens are refused. The default is in every user-pool sign-in’s access token.',
  ),
  removalPolicy: setting(
    v.picklist(['retain', 'destroy'], "removalPolicy must be 'retain' or 'destroy'"),
    'retain',
    'What deleting the stack does to the buckets, the table and the log groups: keep them, so no stack operation deletes files.',
  ),
  undoWindowDays: setting(
    wholeNumber('undoWindowDays', 1, 3650),
    30,
    'How long a deleted or overwritten file stays recoverable (its noncurrent version) before S3 removes it for good.',
  ),
  rejectedObjectExpiryDays: setting(
    wholeNumber('rejectedObjectExpiryDays', 1, 3650),
    7,
    'How long an upload the verifier rejected is kept, unreadable, for inspection before it expires.',
  ),
  intelligentTieringAfterDays: setting(
    wholeNumber('intelligentTieringAfterDays', 0, 3650),
    0,
    'Days after which files move to S3 Intelligent-Tiering (cheaper when rarely read); 0 keeps them in Standard.',
  ),
};

/** Download URLs default to a lifetime no longer than the longest one allowed. */
function downloadTtlWithinMax<Settings extends { downloadUrlTtlSeconds: number; maxDownloadUrlTtlSeconds: number }>() {
  return v.check<Settings, string>(
    (settings) => settings.downloadUrlTtlSeconds <= settings.maxDownloadUrlTtlSeconds,
    'downloadUrlTtlSeconds must be at most maxDownloadUrlTtlSeconds',
  );
}

interface AliasSettings {
  readonly allowedContentTypes: ContentTypeAllowList;
  readonly contentTypeAliases: Readonly<Record<string, string>>;
}

const isAllowed = (settings: AliasSettings, type: string) => Object.hasOwn(settings.allowedContentTypes, type);

/** A default alias goes when its target is not allowed or it is allowed itself (a custom allow-list). */
function defaultAliasesOfAllowedTypes<Settings extends AliasSettings>() {
  return v.transform<Settings, Settings>((settings) => {
    const kept = Object.entries(settings.contentTypeAliases).filter(
      ([alias, target]) => DEFAULT_CONTENT_TYPE_ALIASES[alias] !== target || (isAllowed(settings, target) && !isAllowed(settings, alias)),
    );
    return { ...settings, contentTypeAliases: Object.fromEntries(kept) };
  });
}

/** A configured alias must name an allowed type. */
function aliasTargetsAllowed<Settings extends AliasSettings>() {
  return v.check<Settings, string>(
    (settings) => Object.values(settings.contentTypeAliases).every((target) => isAllowed(settings, target)),
    'contentTypeAliases: every alias must name a type of allowedContentTypes',
  );
}

/** An alias must not be an allowed type itself: which of the two would be recorded? */
function aliasesNotAllowed<Settings extends AliasSettings>() {
  return v.check<Settings, string>(
    (settings) => Object.keys(settings.contentTypeAliases).every((alias) => !isAllowed(settings, alias)),
    'contentTypeAliases: an alias must not itself be a type of allowedContentTypes',
  );
}

/** The settings a handler reads from its environment. */
const HandlerSettingsSchema = v.pipe(
  v.strictObject(handlerEntries),
  downloadTtlWithinMax(),
  defaultAliasesOfAllowedTypes(),
  aliasTargetsAllowed(),
  aliasesNotAllowed(),
);

/** Every setting of a deployment, with its default. */
const SettingsSchema = v.pipe(
  v.strictObject({ ...handlerEntries, ...deploymentEntries }),
  downloadTtlWithinMax(),
  defaultAliasesOfAllowedTypes(),
  aliasTargetsAllowed(),
  aliasesNotAllowed(),
);

/** Every setting, defaults applied and checked. */
export type FileServiceSettings = v.InferOutput<typeof SettingsSchema>;

/** What a deployment may set; everything else keeps its default. */
export type FileServiceSettingsInput = v.InferInput<typeof SettingsSchema>;

/** The settings the handlers read. */
export type HandlerSettings = v.InferOutput<typeof HandlerSettingsSchema>;

/** The name of every setting. */
export const SETTING_NAMES = Object.keys(SettingsSchema.entries) as (keyof FileServiceSettings)[];

/** Thrown when settings are invalid: at synth time in CDK, at init in a Lambda, at start in local mode. */
class InvalidSettingsError extends Error {
  override readonly name = 'InvalidSettingsError';
}

/** Fills in defaults and checks the result; throws `InvalidSettingsError` naming every problem found. */
export function resolveSettings(input: FileServiceSettingsInput = {}): FileServiceSettings {
  return parsed(SettingsSchema, withoutUndefined(input), 'file service settings');
}

/** The default of every setting, as the README's configuration table shows them. */
export function defaultSettings(): FileServiceSettings {
  return resolveSettings();
}

/** Each setting's reason, from the schema. */
export function settingReasons(): Record<keyof FileServiceSettings, string> {
  return Object.fromEntries(
    Object.entries(SettingsSchema.entries).map(([name, schema]) => [name, v.getDescription(schema) ?? '']),
  ) as Record<keyof FileServiceSettings, string>;
}

/**
 * Reads settings from CDK context (`cdk.json` values, or `-c name=value`, where every value is
 * a string): each setting is read by its own name and converted by its default's type (numbers,
 * comma-separated lists, JSON objects). Unset ones keep their defaults.
 */
export function settingsFromContext(read: (name: string) => unknown): FileServiceSettings {
  const input: Record<string, unknown> = {};
  for (const name of SETTING_NAMES) {
    const value = read(name);
    if (value === undefined || value === '') continue;
    input[name] = typeof value === 'string' ? fromContextString(name, value, v.getDefault(SettingsSchema.entries[name])) : value;
  }
  return resolveSettings(input);
}

function fromContextString(name: string, text: string, fallback: unknown): unknown {
  if (typeof fallback === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  if (typeof fallback === 'number') return /^-?\d+$/.test(text.trim()) ? Number(text) : text;
  if (Array.isArray(fallback)) {
    return text
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  }
  if (typeof fallback === 'object') {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new InvalidSettingsError(`Context ${name} must be JSON.`);
    }
  }
  return text;
}

/** The environment variable that carries the handler settings into a Lambda. */
export const SETTINGS_ENVIRONMENT_VARIABLE = 'FILE_SERVICE_SETTINGS';

/** The handler settings of a deployment, as a function's environment carries them. */
export function handlerSettingsJson(settings: FileServiceSettings): string {
  const handlerSettings = Object.fromEntries(Object.keys(handlerEntries).map((name) => [name, settings[name as keyof HandlerSettings]]));
  return JSON.stringify(handlerSettings);
}

/** Reads the handler settings from a Lambda's environment; fails loudly at init when they are missing or invalid. */
export function settingsFromEnvironment(environment: Readonly<Record<string, string | undefined>>): HandlerSettings {
  const serialised = environment[SETTINGS_ENVIRONMENT_VARIABLE];
  if (!serialised) throw new InvalidSettingsError(`${SETTINGS_ENVIRONMENT_VARIABLE} is not set`);
  let json: unknown;
  try {
    json = JSON.parse(serialised);
  } catch {
    throw new InvalidSettingsError(`${SETTINGS_ENVIRONMENT_VARIABLE} is not JSON`);
  }
  return parsed(HandlerSettingsSchema, json, SETTINGS_ENVIRONMENT_VARIABLE);
}

function parsed<Schema extends v.GenericSchema>(schema: Schema, input: unknown, what: string): v.InferOutput<Schema> {
  // valibot's object schemas take an array for an object whose every entry is optional.
  if (Array.isArray(input)) throw new InvalidSettingsError(`Invalid ${what}: settings must be an object`);
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const problems = [...new Set(result.issues.map(describe))];
  throw new InvalidSettingsError(`Invalid ${what}: ${problems.join('; ')}`);
}

function describe(issue: v.BaseIssue<unknown>): string {
  const path = v.getDotPath(issue);
  if (issue.kind === 'schema' && issue.expected === 'never' && path) return `${path} is not a setting`;
  if (issue.type === 'object' || issue.type === 'strict_object') return 'settings must be an object';
  return issue.message;
}

function withoutUndefined(input: object): object {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
}

/** The longest lifetime of any URL we issue: the bucket policy refuses older signatures. */
export function longestUrlTtlSeconds(settings: HandlerSettings): number {
  return Math.max(settings.uploadUrlTtlSeconds, settings.downloadUrlTtlSeconds, settings.maxDownloadUrlTtlSeconds);
}

/**
 * Headers an upload URL may sign; the client must send the ones it is given, unchanged.
 * `content-length` makes S3 refuse any other size, `x-amz-checksum-sha256` any other bytes,
 * `if-none-match: *` an overwrite; `x-amz-meta-filename` carries the original name for downloads.
 */
const SIGNED_UPLOAD_HEADERS = ['content-type', 'content-length', 'if-none-match', 'x-amz-checksum-sha256', 'x-amz-meta-filename'] as const;

/** A CORS rule in neutral form: mapped to CDK's bucket and API CORS and to local mode's. */
export interface CorsRule {
  readonly allowedOrigins: readonly string[];
  readonly allowedMethods: readonly ('GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE')[];
  readonly allowedHeaders: readonly string[];
  readonly exposedHeaders: readonly string[];
  readonly maxAgeSeconds: number;
}

/** How long a browser may cache a CORS preflight answer: an hour, the most Chromium keeps anyway (2 h). */
const CORS_MAX_AGE_SECONDS = 3600;

/** The bucket's CORS rule: browsers may PUT and GET with the signed headers and read `ETag` (multipart needs it). */
export function bucketCorsRule(settings: Pick<FileServiceSettings, 'allowedOrigins'>): CorsRule {
  return {
    allowedOrigins: settings.allowedOrigins,
    allowedMethods: ['GET', 'HEAD', 'PUT'],
    // `range` lets a video element seek through a presigned GET.
    allowedHeaders: [...SIGNED_UPLOAD_HEADERS, 'range'],
    exposedHeaders: ['etag', 'content-length', 'content-range', 'accept-ranges'],
    maxAgeSeconds: CORS_MAX_AGE_SECONDS,
  };
}

/**
 * The API's CORS rule: the frontend's origins may call it, with the methods its routes use, a
 * bearer token and a JSON body, and read `Retry-After` (a pending file's 409).
 */
export function apiCorsRule(settings: Pick<FileServiceSettings, 'allowedOrigins'>): CorsRule {
  return {
    allowedOrigins: settings.allowedOrigins,
    allowedMethods: [...new Set(Object.keys(ROUTES).map((routeKey) => routeKey.split(' ')[0] as CorsRule['allowedMethods'][number]))],
    allowedHeaders: ['authorization', 'content-type'],
    exposedHeaders: ['retry-after', 'ratelimit', 'ratelimit-policy'],
    maxAgeSeconds: CORS_MAX_AGE_SECONDS,
  };
}
