/**
 * The emergency statements of SECURITY.md's "suspend a user" procedure, for URLs issued before
 * the suspension (the table's suspension item stops new ones; a presigned URL lives until it
 * expires, up to `maxDownloadUrlTtlSeconds`). `bin/suspend-user.ts --print-denies` prints them;
 * test/infra/iam-simulation.test.ts proves what they refuse and what they leave alone.
 */
import { SESSION_TAG_KEY } from '../../lambdas/shared/keys';

/** An IAM policy statement. */
export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Deny';
  readonly Principal?: '*';
  readonly Action: string;
  readonly Resource: string | string[];
  readonly Condition: Record<string, Record<string, string>>;
}

/**
 * Bucket-policy statements that refuse, at once, every signing-role session of the user (URLs
 * they hold) and every signing-role session's request on their prefix (URLs others hold to their
 * files). Functions' own sessions carry no `userId` tag, so the verifier keeps working.
 * Blast radius: this one user, every operation, until the statements are removed.
 */
export function suspendedUserBucketDenies(bucketArn: string, sub: string): PolicyStatement[] {
  return [
    {
      Sid: `SuspendedUserSessions${sub.replace(/[^A-Za-z0-9]/g, '')}`,
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [bucketArn, `${bucketArn}/*`],
      Condition: { StringEquals: { [`aws:PrincipalTag/${SESSION_TAG_KEY}`]: sub } },
    },
    {
      Sid: `SuspendedUserFiles${sub.replace(/[^A-Za-z0-9]/g, '')}`,
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: `${bucketArn}/users/${sub}/*`,
      Condition: { Null: { [`aws:PrincipalTag/${SESSION_TAG_KEY}`]: 'false' } },
    },
  ];
}

/**
 * A statement for the signing roles' policies that revokes every session issued before `issuedBefore`
 * (what the IAM console's "Revoke active sessions" writes). Blast radius: every user's URLs issued
 * before that moment stop working; new requests get fresh sessions, once the functions' cached
 * sessions are gone (they are after the functions' next cold start, or within the hour).
 */
export function sessionsIssuedBeforeDeny(issuedBefore: Date): PolicyStatement {
  return {
    Sid: 'RevokeOlderSessions',
    Effect: 'Deny',
    Action: '*',
    Resource: '*',
    Condition: { DateLessThan: { 'aws:TokenIssueTime': issuedBefore.toISOString() } },
  };
}
