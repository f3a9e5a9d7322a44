/**
 * Role sessions: per-user credentials of a signing role, obtained with `sts:AssumeRole` and a
 * `userId` session tag, so IAM confines every URL they sign to `users/{sub}/`.
 *
 * Sessions are cached per user (per user and source IP when sessions are IP-bound, see
 * session-policy.ts) in memory and reused only while they outlive the URL about to be signed plus a margin; a URL dies with the credentials that signed it, so reusing a
 * session that expires first would hand out a URL that stops working early.
 */
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { withinDeadline } from './deadline';
import { ApiError } from './errors';
import { SESSION_TAG_KEY } from './keys';
import { ROLE_SESSION_SECONDS } from './settings';
import { measureLatency, recordStsCall } from './metrics';
import { sourceIpSessionPolicy } from './session-policy';

/** Temporary credentials of one user's session of a signing role. */
export interface RoleSession {
  readonly userId: string;
  /** The only address the session's requests are allowed from, when it is IP-bound. */
  readonly boundToIp?: string;
  readonly credentials: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken: string;
  };
  /** When the credentials expire, in epoch milliseconds. */
  readonly expiresAt: number;
}

/** Who a session is for: the request's caller (`Caller` is one). */
export interface SessionCaller {
  readonly sub: string;
  /** The caller's address as API Gateway saw it (`requestContext.http.sourceIp`). */
  readonly sourceIp: string;
  /** The request's deadline: STS is asked no longer than it allows (503 after). */
  readonly signal?: AbortSignal;
}

/**
 * What a session is for: signing URLs the caller will use (`presign`, bound to the caller's IP
 * when sessions are IP-bound), or the function's own S3 calls (`server`: they come from the
 * Lambda's address, so they are never IP-bound).
 */
export type SessionUse = 'presign' | 'server';

/** Hands out a role session for a user. */
export interface RoleSessionSource {
  /**
   * A session whose credentials stay valid for `validForSeconds` plus a margin when a cached one
   * does; otherwise a fresh one (which may still expire sooner: callers cap URL lifetimes by it).
   */
  sessionFor(caller: SessionCaller, validForSeconds: number, use?: SessionUse): Promise<RoleSession>;
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
  /** Bind each session to the caller's source IP with a session policy (the `bindUrlsToSourceIp` setting). @default false */
  readonly bindToSourceIp?: boolean;
}

/** A `RoleSessionSource` that assumes `roleArn` with the user's id as session tag and caches the result. */
export function assumeRoleSessions(options: AssumeRoleSessionsOptions): RoleSessionSource {
  const { sts, roleArn, now = () => Date.now(), maxCachedUsers = 5000, bindToSourceIp = false } = options;
  const cache = new Map<string, Promise<RoleSession>>();

  const remember = (cacheKey: string, session: Promise<RoleSession>): Promise<RoleSession> => {
    cache.delete(cacheKey);
    cache.set(cacheKey, session);
    if (cache.size > maxCachedUsers) cache.delete(cache.keys().next().value as string);
    return session;
  };

  const assume = async (userId: string, boundToIp: string | undefined, signal?: AbortSignal): Promise<RoleSession> => {
    const answer = await measureLatency('sts', () =>
      withinDeadline(signal, (abortSignal) =>
        sts.send(
          new AssumeRoleCommand({
            RoleArn: roleArn,
            // Shows in CloudTrail and in S3 server access logs as the requester.
            RoleSessionName: `u-${userId}`.slice(0, 64),
            DurationSeconds: ROLE_SESSION_SECONDS,
            Tags: [{ Key: SESSION_TAG_KEY, Value: userId }],
            ...(boundToIp !== undefined && { Policy: JSON.stringify(sourceIpSessionPolicy(boundToIp)) }),
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
      ...(boundToIp !== undefined && { boundToIp }),
      credentials: { accessKeyId: AccessKeyId, secretAccessKey: SecretAccessKey, sessionToken: SessionToken },
      expiresAt: Expiration.getTime(),
    };
  };

  const refresh = (cacheKey: string, caller: SessionCaller, boundToIp: string | undefined): Promise<RoleSession> => {
    recordStsCall();
    const session = assume(caller.sub, boundToIp, caller.signal);
    session.catch(() => {
      if (cache.get(cacheKey) === session) cache.delete(cacheKey);
    });
    return remember(cacheKey, session);
  };

  return {
    async sessionFor(caller, validForSeconds, use = 'presign') {
      const { signal } = caller;
      const boundToIp = bindToSourceIp && use === 'presign' ? caller.sourceIp : undefined;
      // A session bound to one address must never sign for another: the address is part of the key.
      const cacheKey = boundToIp === undefined ? caller.sub : `${caller.sub} ${boundToIp}`;
      const pending = cache.get(cacheKey);
      if (!pending) return refresh(cacheKey, caller, boundToIp);
      // Another request's STS call may be in flight: wait for it no longer than this request's deadline.
      const session = await withinDeadline(signal, () => pending).catch(() => undefined);
      if (signal?.aborted)
        throw new ApiError('SIGNING_UNAVAILABLE', 'Signing is unavailable right now; try again shortly.', { cause: signal.reason });
      if (session && session.expiresAt - now() >= (validForSeconds + CREDENTIAL_MARGIN_SECONDS) * 1000) {
        return remember(cacheKey, pending);
      }
      // Requests that found the same stale session share one refresh.
      const latest = cache.get(cacheKey);
      if (!latest || latest === pending) return refresh(cacheKey, caller, boundToIp);
      // A refresh another request started still answers this one no later than its own deadline.
      return withinDeadline(signal, () => latest).catch((error: unknown) => {
        throw error instanceof ApiError
          ? error
          : new ApiError('SIGNING_UNAVAILABLE', 'Signing is unavailable right now; try again shortly.', { cause: error });
      });
    },
  };
}
