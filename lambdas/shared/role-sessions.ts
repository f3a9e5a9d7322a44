/**
 * Role sessions: per-user credentials of a signing role, obtained with `sts:AssumeRole` and a
 * `userId` session tag, so IAM confines every URL they sign to `users/{sub}/`.
 *
 * Sessions are cached per user in memory and reused only while they outlive the URL about to
 * be signed plus a margin; a URL dies with the credentials that signed it, so reusing a
 * session that expires first would hand out a URL that stops working early.
 */
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { withinDeadline } from './deadline';
import { ApiError } from './errors';
import { SESSION_TAG_KEY } from './keys';
import { ROLE_SESSION_SECONDS } from './settings';
import { measureLatency, recordSessionCache } from './metrics';

/** Temporary credentials of one user's session of a signing role. */
export interface RoleSession {
  readonly userId: string;
  readonly credentials: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken: string;
  };
  /** When the credentials expire, in epoch milliseconds. */
  readonly expiresAt: number;
}

/** Hands out a role session for a user. */
export interface RoleSessionSource {
  /**
   * A session whose credentials stay valid for `validForSeconds` plus a margin when a cached one
   * does; otherwise a fresh one (which may still expire sooner: callers cap URL lifetimes by it).
   * `signal` is the request's deadline: STS is asked no longer than it allows (503 after).
   */
  sessionFor(userId: string, validForSeconds: number, signal?: AbortSignal): Promise<RoleSession>;
}

/**
 * A cached session is reused only if it outlives the URL by this much.
 * @public `bench/session-cache.mjs` reads it from the bundled module (a path knip cannot follow).
 */
export const CREDENTIAL_MARGIN_SECONDS = 60;

/** What `assumeRoleSessions` needs. */
export interface AssumeRoleSessionsOptions {
  readonly sts: Pick<STSClient, 'send'>;
  /** The signing role to assume. */
  readonly roleArn: string;
  /** The clock, in epoch milliseconds. @default Date.now */
  readonly now?: () => number;
  /** Users whose sessions are kept; the least recently used are dropped first. @default 5000 */
  readonly maxCachedUsers?: number;
}

/** A `RoleSessionSource` that assumes `roleArn` with the user's id as session tag and caches the result. */
export function assumeRoleSessions(options: AssumeRoleSessionsOptions): RoleSessionSource {
  const { sts, roleArn, now = () => Date.now(), maxCachedUsers = 5000 } = options;
  const cache = new Map<string, Promise<RoleSession>>();

  const remember = (userId: string, session: Promise<RoleSession>): Promise<RoleSession> => {
    cache.delete(userId);
    cache.set(userId, session);
    if (cache.size > maxCachedUsers) cache.delete(cache.keys().next().value as string);
    return session;
  };

  const assume = async (userId: string, signal?: AbortSignal): Promise<RoleSession> => {
    const answer = await measureLatency('sts', () =>
      withinDeadline(signal, (abortSignal) =>
        sts.send(
          new AssumeRoleCommand({
            RoleArn: roleArn,
            // Shows in CloudTrail and in S3 server access logs as the requester.
            RoleSessionName: `u-${userId}`.slice(0, 64),
            DurationSeconds: ROLE_SESSION_SECONDS,
            Tags: [{ Key: SESSION_TAG_KEY, Value: userId }],
          }),
          { abortSignal },
        ),
      ),
    ).catch((error: unknown) => {
      throw new ApiError('SIGNING_UNAVAILABLE', 'Signing is unavailable right now; try again shortly.', { cause: error });
    });
    const { AccessKeyId, SecretAccessKey, SessionToken, Expiration } = answer.Credentials ?? {};
    if (!AccessKeyId || !SecretAccessKey || !SessionToken || !Expiration) {
      throw new ApiError('SIGNING_UNAVAILABLE', 'Signing is unavailable right now; try again shortly.');
    }
    return {
      userId,
      credentials: { accessKeyId: AccessKeyId, secretAccessKey: SecretAccessKey, sessionToken: SessionToken },
      expiresAt: Expiration.getTime(),
    };
  };

  const refresh = (userId: string, signal?: AbortSignal): Promise<RoleSession> => {
    recordSessionCache('miss');
    const session = assume(userId, signal);
    session.catch(() => {
      if (cache.get(userId) === session) cache.delete(userId);
    });
    return remember(userId, session);
  };

  return {
    async sessionFor(userId, validForSeconds, signal) {
      const pending = cache.get(userId);
      if (!pending) return refresh(userId, signal);
      // Another request's STS call may be in flight: wait for it no longer than this request's deadline.
      const session = await withinDeadline(signal, () => pending).catch(() => undefined);
      if (signal?.aborted)
        throw new ApiError('SIGNING_UNAVAILABLE', 'Signing is unavailable right now; try again shortly.', { cause: signal.reason });
      if (session && session.expiresAt - now() >= (validForSeconds + CREDENTIAL_MARGIN_SECONDS) * 1000) {
        recordSessionCache('hit');
        return remember(userId, pending);
      }
      // Requests that found the same stale session share one refresh.
      const latest = cache.get(userId);
      if (!latest || latest === pending) return refresh(userId, signal);
      recordSessionCache('hit');
      // A refresh another request started still answers this one no later than its own deadline.
      return withinDeadline(signal, () => latest).catch((error: unknown) => {
        throw error instanceof ApiError
          ? error
          : new ApiError('SIGNING_UNAVAILABLE', 'Signing is unavailable right now; try again shortly.', { cause: error });
      });
    },
  };
}
