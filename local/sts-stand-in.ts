/**
 * A local stand-in for STS `AssumeRole`: every call gets credentials of its own (an access key,
 * a secret and a session token nobody else holds), expiring like STS's, and recorded with the
 * role, the session's name and its tags. Local S3 looks the signing key up here, verifies the
 * signature with that session's secret and evaluates the request against that role's
 * synthesized policies, with the session's tags as `aws:PrincipalTag/…`.
 *
 * A session policy (`Policy`) is kept with the session and evaluated by local S3 like IAM does.
 * It checks what the signing roles' trust policies check: a known role, and exactly one
 * session tag `userId` with a value; and what STS checks: a duration between 15 minutes and
 * the role's longest session.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESSION_TAG_KEY } from '../lambdas/shared/keys';

/** A session handed out by the stand-in. */
export interface RoleSessionRecord {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly roleArn: string;
  readonly sessionName: string;
  /** `arn:aws:sts::{account}:assumed-role/{role name}/{session name}` */
  readonly assumedRoleArn: string;
  readonly tags: Readonly<Record<string, string>>;
  /** The session policy passed as `Policy`, parsed: local S3 intersects it with the role's policies as IAM does. */
  readonly sessionPolicy?: unknown;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
}

/** A role the stand-in may hand out, with its longest session. */
export interface StandInRole {
  readonly arn: string;
  readonly maxSessionSeconds: number;
}

/** A running stand-in. */
export interface StsStandIn {
  /** Its URL, for `AWS_ENDPOINT_URL_STS`. */
  readonly endpoint: string;
  /** How many sessions it has handed out (the handlers cache them; benchmarks count them). */
  readonly assumeRoleCalls: () => number;
  /** The session an access key id belongs to, expired or not. */
  session(accessKeyId: string): RoleSessionRecord | undefined;
  stop(): Promise<void>;
}

/** STS's shortest and default session durations. */
const MIN_SESSION_SECONDS = 900;
const DEFAULT_SESSION_SECONDS = 3600;
/** Sessions kept for lookup; expired ones are dropped beyond this (a URL dies with its session anyway). */
const MAX_SESSIONS = 100_000;

/** Starts the stand-in on 127.0.0.1 (an ephemeral port unless given). */
export async function startStsStandIn(options: {
  roles: readonly StandInRole[];
  account: string;
  port?: number;
  /** The clock, in epoch milliseconds. @default Date.now */
  now?: () => number;
}): Promise<StsStandIn> {
  const now = options.now ?? (() => Date.now());
  const sessions = new Map<string, RoleSessionRecord>();
  let calls = 0;
  const server = http.createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
      // An AssumeRole form is a few hundred bytes.
      if (body.length > 64 * 1024) request.destroy();
    });
    request.on('end', () => {
      const params = new URLSearchParams(body);
      const refusal = refusalOf(params, options.roles);
      response.setHeader('content-type', 'text/xml');
      if (refusal) {
        response.writeHead(refusal.status).end(errorXml(refusal.code, refusal.message));
        return;
      }
      const session = newSession(params, options.account, now());
      if (sessions.size >= MAX_SESSIONS) dropExpired(sessions, now());
      sessions.set(session.accessKeyId, session);
      calls += 1;
      response.writeHead(200).end(assumeRoleXml(session));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    assumeRoleCalls: () => calls,
    session: (accessKeyId) => sessions.get(accessKeyId),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function newSession(params: URLSearchParams, account: string, now: number): RoleSessionRecord {
  const roleArn = params.get('RoleArn') ?? '';
  const sessionName = params.get('RoleSessionName') ?? 'session';
  const tags: Record<string, string> = {};
  for (const [name, key] of params) {
    const index = /^Tags\.member\.(\d+)\.Key$/.exec(name)?.[1];
    if (index) tags[key] = params.get(`Tags.member.${index}.Value`) ?? '';
  }
  return {
    // Shaped like STS's temporary keys; random, so no two sessions share one.
    accessKeyId: `ASIA${randomBytes(10).toString('hex').toUpperCase().slice(0, 16)}`,
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: `local/${randomBytes(48).toString('base64')}`,
    roleArn,
    sessionName,
    assumedRoleArn: `arn:aws:sts::${account}:assumed-role/${roleArn.split('/').pop()}/${sessionName}`,
    tags,
    ...(params.get('Policy') && { sessionPolicy: JSON.parse(params.get('Policy') ?? '') as unknown }),
    expiresAt: now + Number(params.get('DurationSeconds') ?? DEFAULT_SESSION_SECONDS) * 1000,
  };
}

function dropExpired(sessions: Map<string, RoleSessionRecord>, now: number): void {
  for (const [key, session] of sessions) if (session.expiresAt <= now) sessions.delete(key);
}

function refusalOf(params: URLSearchParams, roles: readonly StandInRole[]) {
  if (params.get('Action') !== 'AssumeRole') {
    return { status: 400, code: 'InvalidAction', message: `The local STS stand-in only answers AssumeRole.` };
  }
  const role = roles.find((candidate) => candidate.arn === params.get('RoleArn'));
  if (!role) {
    return { status: 403, code: 'AccessDenied', message: 'Not authorized to perform sts:AssumeRole on this role.' };
  }
  const tagKeys = [...params.keys()].filter((name) => /^Tags\.member\.\d+\.Key$/.test(name)).map((name) => params.get(name));
  const tagValue = params.get('Tags.member.1.Value');
  if (tagKeys.length !== 1 || tagKeys[0] !== SESSION_TAG_KEY || !tagValue) {
    return { status: 403, code: 'AccessDenied', message: `The trust policy requires exactly one session tag ${SESSION_TAG_KEY}.` };
  }
  const policy = params.get('Policy');
  if (policy !== null && !isJsonObject(policy)) {
    return { status: 400, code: 'MalformedPolicyDocument', message: 'The session policy is not a JSON policy document.' };
  }
  const duration = Number(params.get('DurationSeconds') ?? DEFAULT_SESSION_SECONDS);
  if (!Number.isInteger(duration) || duration < MIN_SESSION_SECONDS || duration > role.maxSessionSeconds) {
    return {
      status: 400,
      code: 'ValidationError',
      message: `The requested DurationSeconds exceeds the MaxSessionDuration set for this role, or is below ${MIN_SESSION_SECONDS}.`,
    };
  }
  return undefined;
}

function isJsonObject(text: string): boolean {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

function assumeRoleXml(session: RoleSessionRecord): string {
  return `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>${session.accessKeyId}</AccessKeyId><SecretAccessKey>${session.secretAccessKey}</SecretAccessKey>
<SessionToken>${session.sessionToken}</SessionToken><Expiration>${new Date(session.expiresAt).toISOString()}</Expiration></Credentials>
<AssumedRoleUser><AssumedRoleId>AROALOCAL:${xmlText(session.sessionName)}</AssumedRoleId><Arn>${xmlText(session.assumedRoleArn)}</Arn></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleResponse>`;
}

function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function errorXml(code: string, message: string): string {
  return `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
}
