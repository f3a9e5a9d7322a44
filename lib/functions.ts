/**
 * The function registry: every deployed function, declared once. The construct builds each
 * one (function, execution role, signing role with exactly these grants), the API routes come
 * from the contract's `ROUTES`, local mode imports each handler from `entry`, and the alarms and
 * dashboard rows follow the same list. Adding a function is an entry here plus its handler file.
 *
 * Free of aws-cdk-lib so local mode can read it without loading the CDK.
 */
import type { ApiFunctionName } from '../contract/routes';

/** What a grant applies to; the construct turns each into ARNs and conditions. */
export type GrantTarget =
  /** `users/${aws:PrincipalTag/userId}/*`: the caller's own objects. */
  | 'ownObjects'
  /** The caller's own objects, or every user's when read access is `authenticated`. */
  | 'readableObjects'
  /** The bucket itself, only with `s3:prefix` under the caller's own prefix (listing). */
  | 'ownPrefixListing';

/** One statement of a signing role's policy: what its URLs may ever do. */
interface SigningGrant {
  readonly sid: string;
  readonly actions: readonly string[];
  readonly on: GrantTarget;
}

/** A deployed function of the service. */
export interface FunctionDefinition {
  /** Its construct id: part of every logical id below it, so it never changes once deployed. */
  readonly id: string;
  /** The handler file, under `lambdas/`. */
  readonly entry: string;
  /** Shown in the console. */
  readonly description: string;
  /** What the role whose per-user sessions sign this function's URLs may do: all its URLs can ever do. */
  readonly signingGrants: readonly SigningGrant[];
  /** Longest run of one invocation. */
  readonly timeoutSeconds: number;
}

/**
 * Memory and timeout of a function unless its entry says otherwise. 512 MB buys the CPU share
 * that keeps signing under a millisecond at little cost (Lambda bills by GB-second; `npm run
 * bench` has the figures); 10 s is a third of API Gateway's 30 s integration limit, far above what
 * signing takes, and what bounds a hung dependency (each request's deadline derives from it).
 */
export const FUNCTION_DEFAULTS = { memorySizeMb: 512, timeoutSeconds: 10 } as const;

/** Every function the API routes to, by the name `ROUTES` gives it. */
export const FUNCTIONS = {
  uploads: {
    id: 'Uploads',
    entry: 'uploads.ts',
    description: 'Signs upload URLs as the UploaderRole',
    signingGrants: [
      {
        sid: 'WriteOwnObjects',
        // PutObject covers CreateMultipartUpload, UploadPart and CompleteMultipartUpload; ListMultipartUploadParts
        // proves an upload exists before its parts are re-signed.
        actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        on: 'ownObjects',
      },
      // A retried completion that meets 412 or NoSuchUpload looks for the object it may have made: its size,
      // listed; never its bytes (a HEAD would need s3:GetObject).
      { sid: 'ListOwnPrefix', actions: ['s3:ListBucket'], on: 'ownPrefixListing' },
    ],
    // CompleteMultipartUpload can take long (S3 trickles whitespace meanwhile): as long as API Gateway's 30 s allow.
    timeoutSeconds: 29,
  },
  downloads: {
    id: 'Downloads',
    entry: 'downloads.ts',
    description: 'Signs download URLs and lists files as the ReaderRole',
    signingGrants: [
      { sid: 'ReadObjects', actions: ['s3:GetObject'], on: 'readableObjects' },
      { sid: 'ListOwnPrefix', actions: ['s3:ListBucket'], on: 'ownPrefixListing' },
    ],
    timeoutSeconds: FUNCTION_DEFAULTS.timeoutSeconds,
  },
} as const satisfies Record<ApiFunctionName, FunctionDefinition>;

/** A deployed function's name. */
export type FunctionName = keyof typeof FUNCTIONS;

/** The registry's names, in declaration order. */
export const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];
