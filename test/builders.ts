/** Builders for test inputs: `anApiEvent({ body: anUploadRequest({ size: 0 }) })`. */
import { RegionDisabledException, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { SigningDependencies } from '../lambdas/shared/dependencies';
import type { ApiEvent } from '../lambdas/shared/http';
import { createObjectUrlSigner, type BucketLocation } from '../lambdas/shared/object-urls';
import { assumeRoleSessions } from '../lambdas/shared/role-sessions';
import { suspensionCheckedSessions } from '../lambdas/shared/suspensions';
import { memorySuspensions } from './memory-suspensions';
import { resolveSettings, type FileServiceSettingsInput } from '../lambdas/shared/settings';
import { memoryRecords } from './memory-records';

export const ALICE = '11111111-aaaa-4aaa-8aaa-111111111111';
export const BOB = '22222222-bbbb-4bbb-8bbb-222222222222';
export const OBJECT_ID = 'AAAAAAAAAAAAAAAAAAAAAA';
export const NOW = Date.parse('2026-11-23T10:00:00Z');
export const TEST_LOCATION: BucketLocation = { bucket: 'test-files', region: 'eu-west-1', urlSuffix: 'amazonaws.com' };

/** A key in our grammar, owned by `owner`. */
export function aKey(owner = ALICE, name = 'photo.jpg'): string {
  return `users/${owner}/${OBJECT_ID}/${name}`;
}

/** An upload request body. */
export function anUploadRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { filename: 'Holiday photo.jpg', contentType: 'image/jpeg', size: 1234, ...overrides };
}

/** An HTTP API v2 event as API Gateway sends it after the JWT authorizer accepted the token. */
export function anApiEvent(options: {
  routeKey?: string;
  body?: unknown;
  rawBody?: string;
  sub?: string | null;
  query?: Record<string, string>;
  pathParameters?: Record<string, string>;
}): ApiEvent {
  const routeKey = options.routeKey ?? 'POST /uploads';
  const [method = 'POST', path = '/'] = routeKey.split(' ');
  const claims = options.sub === null ? {} : { sub: options.sub ?? ALICE, token_use: 'id' };
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: { 'content-type': 'application/json' },
    ...(options.query && { queryStringParameters: options.query }),
    ...(options.pathParameters && { pathParameters: options.pathParameters }),
    requestContext: {
      accountId: '111122223333',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'jest' },
      requestId: 'req-123',
      routeKey,
      stage: '$default',
      time: '23/Nov/2026:10:00:00 +0000',
      timeEpoch: NOW,
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims, scopes: [] } },
    },
    ...(body !== undefined && { body }),
    isBase64Encoded: false,
  } as ApiEvent;
}

/** A Lambda context without a clock: no deadline (the handlers read the request id from the event). */
export const aContext = {} as Context;

/** A Lambda context with `remainingMs` left when the invocation starts, counted down by the (possibly fake) clock. */
export function lambdaContext(remainingMs: number): Context {
  const endsAt = Date.now() + remainingMs;
  return { getRemainingTimeInMillis: () => Math.max(0, endsAt - Date.now()) } as Context;
}

/** Signing dependencies with a real STS client (mock it with aws-sdk-client-mock) and a fixed clock. */
export function testDependencies(
  options: { now?: () => number; settings?: FileServiceSettingsInput } = {},
): SigningDependencies & { records: ReturnType<typeof memoryRecords>; suspensions: ReturnType<typeof memorySuspensions> } {
  const now = options.now ?? (() => NOW);
  const settings = resolveSettings(options.settings);
  const suspensions = memorySuspensions();
  return {
    settings,
    location: TEST_LOCATION,
    sessions: suspensionCheckedSessions(
      assumeRoleSessions({
        sts: new STSClient({ region: 'eu-west-1' }),
        roleArn: 'arn:aws:iam::111122223333:role/test-signer',
        now,
        bindToSourceIp: settings.bindUrlsToSourceIp,
      }),
      suspensions,
    ),
    signer: createObjectUrlSigner(TEST_LOCATION, now),
    records: memoryRecords(),
    suspensions,
    now: () => new Date(now()),
  };
}

/** STS credentials that expire `seconds` after `from`. */
export function stsCredentials(seconds = 3600, from = NOW) {
  return {
    Credentials: {
      AccessKeyId: 'ASIAEXAMPLETESTONLY',
      SecretAccessKey: 'secret',
      SessionToken: 'session-token',
      Expiration: new Date(from + seconds * 1000),
    },
  };
}

/**
 * How STS fails, as the SDK raises it, each named for what STS does. Their messages carry what
 * must never reach a client: ARNs, account ids, AWS's own wording.
 */
export function stsFailures(): [string, Error][] {
  const serviceError = (name: string, httpStatusCode: number, message: string) =>
    new STSServiceException({ name, $fault: httpStatusCode < 500 ? 'client' : 'server', $metadata: { httpStatusCode }, message });
  return [
    ['throttles (Throttling, 400)', serviceError('Throttling', 400, 'Rate exceeded for account 111122223333')],
    [
      'denies the role (AccessDenied, 403)',
      serviceError('AccessDenied', 403, 'arn:aws:sts::111122223333:assumed-role/exec is not authorized to perform: sts:AssumeRole'),
    ],
    [
      'fails on its side (InternalFailure, 500)',
      serviceError('InternalFailure', 500, 'An internal error occurred in account 111122223333'),
    ],
    [
      'is disabled in the region',
      new RegionDisabledException({ $metadata: { httpStatusCode: 403 }, message: 'STS is not activated in eu-west-1 for 111122223333' }),
    ],
    ['times out', Object.assign(new Error('Connection timed out after 2000 ms to sts.eu-west-1.amazonaws.com'), { name: 'TimeoutError' })],
    ['cannot be reached', Object.assign(new Error('getaddrinfo ENOTFOUND sts.eu-west-1.amazonaws.com'), { code: 'ENOTFOUND' })],
  ];
}

/** What an error answer must never show: an ARN, an account id, AWS's host names, or a stack frame. */
export const LEAKED_DETAIL = /arn:aws|111122223333|amazonaws\.com|\bat .+:\d+:\d+/;

/** The parsed answer of a handler. */
export function answerOf(result: APIGatewayProxyStructuredResultV2 | string | void) {
  if (!result || typeof result === 'string') throw new Error('expected a structured result');
  return { status: result.statusCode, headers: result.headers ?? {}, body: result.body ? JSON.parse(result.body) : undefined };
}
