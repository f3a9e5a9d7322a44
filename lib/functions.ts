/**
 * The function registry: every deployed function, declared once. The construct builds each
 * one (function, execution role, and for those that sign URLs a signing role, each with exactly
 * these grants), the API routes come from the contract's `ROUTES`, the queue feeds the one
 * queue-triggered function, local mode imports each handler from `entry`, and the alarms and
 * dashboard rows follow the same list. Adding a function is an entry here plus its handler file.
 *
 * Free of aws-cdk-lib so local mode can read it without loading the CDK.
 */
import type { ApiFunctionName } from '../contract/routes';
import { STATUS_TAG, STATUS_TAG_KEY } from '../lambdas/shared/object-tags';
import { SESSION_TAG_KEY, USERS_PREFIX } from '../lambdas/shared/keys';

/** What a grant applies to; the construct turns each into ARNs. */
export type GrantTarget =
  /** `users/${aws:PrincipalTag/userId}/*`: the caller's own objects. */
  | 'ownObjects'
  /** The caller's own objects, or every user's when read access is `authenticated`. */
  | 'readableObjects'
  /** `users/*`: every user's objects, for a function that acts on any of them (the verifier). */
  | 'userObjects'
  /** Every object in the bucket: only ever the target of a deny. */
  | 'allObjects'
  /** The bucket itself (`HeadBucket` is authorized as `s3:ListBucket` on it). */
  | 'bucket';

/** IAM conditions, as a policy statement writes them: `{ StringEquals: { 's3:ExistingObjectTag/status': 'available' } }`. */
type GrantConditions = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

/** One S3 statement of a role's policy. */
export interface S3Grant {
  readonly sid: string;
  /**
   * A deny wins over any allow, whatever else the role is given later.
   * @default 'allow'
   */
  readonly effect?: 'allow' | 'deny';
  readonly actions: readonly string[];
  readonly on: GrantTarget;
  /** @default none */
  readonly conditions?: GrantConditions;
}

/**
 * What a function may do with the file table. `readWrite` is the item actions a record's life
 * needs (get, query, conditional put, update and delete, transactions of them); `describe` is
 * the table's status, for a health check.
 */
export type TableAccess = 'readWrite' | 'describe';

/** What invokes a function: API Gateway routes (`ROUTES`), or the queue of S3 object events. */
type FunctionTrigger = 'api' | 'queue';

/** A deployed function of the service. */
export interface FunctionDefinition {
  /** Its construct id: part of every logical id below it, so it never changes once deployed. */
  readonly id: string;
  /** The handler file, under `lambdas/`. */
  readonly entry: string;
  /** Shown in the console. */
  readonly description: string;
  readonly trigger: FunctionTrigger;
  /**
   * What the role whose per-user sessions sign this function's URLs may do: all its URLs can
   * ever do. Present only for a function that signs; it then gets that role and `SIGNING_ROLE_ARN`.
   * @default no signing role
   */
  readonly signingGrants?: readonly S3Grant[];
  /**
   * What the function itself may do in the bucket, for a function that signs nothing.
   * @default nothing in the bucket
   */
  readonly executionGrants?: readonly S3Grant[];
  readonly table: TableAccess;
  /** @default `FUNCTION_DEFAULTS.timeoutSeconds` */
  readonly timeoutSeconds?: number;
}

/** A function API Gateway invokes. */
interface ApiFunctionDefinition extends FunctionDefinition {
  readonly trigger: 'api';
}

/**
 * Memory and timeout of every function. 512 MB buys the CPU share that keeps signing under a
 * millisecond at little cost (Lambda bills by GB-second; `npm run bench` has the figures); 10 s is
 * a third of API Gateway's 30 s integration limit, far above what signing takes, and what bounds a
 * hung dependency.
 */
export const FUNCTION_DEFAULTS = { memorySizeMb: 512, timeoutSeconds: 10 } as const;

/** The tag the ReaderRole requires: nothing is readable before the verifier has tagged it available. */
const TAGGED_AVAILABLE: GrantConditions = { StringEquals: { [`s3:ExistingObjectTag/${STATUS_TAG_KEY}`]: STATUS_TAG.available } };

/** Every function, by the name `ROUTES` (or, for the verifier, the construct) gives it. */
export const FUNCTIONS = {
  uploads: {
    id: 'Uploads',
    entry: 'uploads.ts',
    description: 'Signs upload URLs as the UploaderRole',
    trigger: 'api',
    signingGrants: [
      {
        sid: 'WriteOwnObjects',
        // PutObject covers CreateMultipartUpload, UploadPart and CompleteMultipartUpload; ListMultipartUploadParts
        // proves an upload exists before its parts are re-signed.
        actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        on: 'ownObjects',
      },
      {
        // Only the verifier tags: an uploader that could tag its own object `available` would skip verification.
        sid: 'DenyTagging',
        effect: 'deny',
        actions: ['s3:PutObjectTagging', 's3:DeleteObjectTagging', 's3:PutObjectVersionTagging', 's3:DeleteObjectVersionTagging'],
        on: 'allObjects',
      },
      {
        // The same through the upload itself: `x-amz-tagging` on a PUT or CreateMultipartUpload.
        sid: 'DenyTagsOnUpload',
        effect: 'deny',
        actions: ['s3:PutObject'],
        on: 'allObjects',
        conditions: { Null: { 's3:RequestObjectTagKeys': 'false' } },
      },
      {
        // A retried completion that meets 412 or NoSuchUpload looks for the object it may have made: its size,
        // listed; never its bytes (a HEAD would need s3:GetObject).
        sid: 'ListOwnPrefix',
        actions: ['s3:ListBucket'],
        on: 'bucket',
        conditions: { StringLike: { 's3:prefix': [`${USERS_PREFIX}\${aws:PrincipalTag/${SESSION_TAG_KEY}}/*`] } },
      },
    ],
    table: 'readWrite',
    // CompleteMultipartUpload can take long (S3 trickles whitespace meanwhile): as long as API Gateway's 30 s allow.
    timeoutSeconds: 29,
  },
  downloads: {
    id: 'Downloads',
    entry: 'downloads.ts',
    description: 'Signs download URLs as the ReaderRole and serves file records',
    trigger: 'api',
    // No ListBucket: listing comes from the table.
    signingGrants: [{ sid: 'ReadAvailableObjects', actions: ['s3:GetObject'], on: 'readableObjects', conditions: TAGGED_AVAILABLE }],
    // Reads records; the quota issue writes usage from here too.
    table: 'readWrite',
  },
  deletes: {
    id: 'Deletes',
    entry: 'deletes.ts',
    description: 'Deletes files as the DeleterRole',
    trigger: 'api',
    // DeleteObject without a version id only adds a delete marker: the file stays recoverable for the undo window.
    // DeleteObjectVersion, which would destroy it at once, is never granted.
    signingGrants: [{ sid: 'DeleteOwnObjects', actions: ['s3:DeleteObject'], on: 'ownObjects' }],
    table: 'readWrite',
  },
  health: {
    id: 'Health',
    entry: 'health.ts',
    description: 'Answers GET /health from cheap checks of the table and the bucket',
    trigger: 'api',
    executionGrants: [{ sid: 'HeadBucket', actions: ['s3:ListBucket'], on: 'bucket' }],
    table: 'describe',
  },
  verifier: {
    id: 'Verifier',
    entry: 'verifier.ts',
    description: 'Verifies uploaded bytes against their record and tags them available or rejected',
    trigger: 'queue',
    executionGrants: [
      {
        // A ranged GET of the first bytes, and the status tag: the only writer of it.
        sid: 'VerifyObjects',
        actions: ['s3:GetObject', 's3:GetObjectTagging', 's3:PutObjectTagging'],
        on: 'userObjects',
      },
    ],
    table: 'readWrite',
    // A batch of ten ranged GETs and conditional writes, with room for S3's and DynamoDB's retries.
    timeoutSeconds: 60,
  },
} as const satisfies Record<ApiFunctionName, ApiFunctionDefinition> & Record<string, FunctionDefinition>;

/** A deployed function's name. */
export type FunctionName = keyof typeof FUNCTIONS;

/** The registry's names, in declaration order. */
export const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];

/** The functions API Gateway invokes, in declaration order: exactly those `ROUTES` names. */
export const API_FUNCTION_NAMES = FUNCTION_NAMES.filter((name): name is ApiFunctionName => FUNCTIONS[name].trigger === 'api');

/** Whether a function signs URLs with a signing role of its own. */
export function signs(name: FunctionName): boolean {
  return 'signingGrants' in FUNCTIONS[name];
}
