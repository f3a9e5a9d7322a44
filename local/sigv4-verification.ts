/**
 * Verifies a request's AWS Signature Version 4 as S3 does, by signing it again with the SDK's
 * own signer (`@smithy/signature-v4`) and the secret of the key it names, and comparing.
 * Header auth (`Authorization: AWS4-HMAC-SHA256 …`) and query auth (presigned URLs) both;
 * SigV2 and unsigned requests are left to the caller (S3 treats them as anonymous or denies
 * them by the bucket policy).
 *
 * Error codes and messages are S3's, from
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html and
 * https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html.
 */
import { timingSafeEqual } from 'node:crypto';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest, QueryParameterBag } from '@smithy/types';
import { accessDenied, S3ErrorAnswer } from './s3-error';

/** The secret behind an access key id, and what the key stands for. */
export interface SigningIdentity<T> {
  readonly secretAccessKey: string;
  /** Required in the request when set (temporary credentials). */
  readonly sessionToken?: string;
  /** Epoch milliseconds after which the credentials are refused; none for long-term keys. */
  readonly expiresAt?: number;
  readonly principal: T;
}

/** A request whose signature checked out. */
export interface VerifiedRequest<T> {
  readonly principal: T;
  readonly accessKeyId: string;
  readonly authType: 'REST-HEADER' | 'REST-QUERY-STRING';
  /** Lower-case names of the headers the signature covers. */
  readonly signedHeaders: readonly string[];
  /** When it was signed, epoch milliseconds. */
  readonly signedAt: number;
  /** `x-amz-content-sha256` of a header-signed request: `UNSIGNED-PAYLOAD` or a hex SHA-256 of the body. */
  readonly payloadHash: string;
}

/** The parts of an incoming request verification looks at. */
export interface IncomingSignedRequest {
  readonly method: string;
  /** The path exactly as sent (still percent-encoded). */
  readonly rawPath: string;
  readonly query: readonly (readonly [string, string])[];
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
}

/** The query parameters of query auth; they are not part of what the signature covers. */
export const QUERY_AUTH_PARAMETERS = new Set([
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
  'X-Amz-Security-Token',
]);

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** S3: "X-Amz-Expires … minimum value you can set is 1, and the maximum is 604800 (seven days)". */
const MAX_EXPIRES_SECONDS = 604_800;
/** S3 refuses header-signed requests more than 15 minutes from its clock (RequestTimeTooSkewed). */
const MAX_SKEW_MS = 15 * 60 * 1000;
const LONG_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Whether a request carries SigV4 (or any) authentication at all. */
export function authenticationOf(request: IncomingSignedRequest): 'header' | 'query' | 'sigv2' | 'none' {
  const queryNames = new Set(request.query.map(([name]) => name));
  const authorization = request.headers.authorization;
  if (queryNames.has('X-Amz-Algorithm') || queryNames.has('X-Amz-Signature')) {
    if (authorization !== undefined) {
      throw new S3ErrorAnswer(
        400,
        'InvalidArgument',
        'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
      );
    }
    return 'query';
  }
  if (queryNames.has('Signature') && queryNames.has('AWSAccessKeyId')) return 'sigv2';
  if (authorization === undefined || authorization.trim() === '') return 'none';
  if (/^AWS\s/.test(authorization)) return 'sigv2';
  return 'header';
}

/**
 * Verifies a SigV4-signed request (`authenticationOf` said `header` or `query`), or throws the
 * `S3ErrorAnswer` S3 would send.
 */
export async function verifySigV4<T>(
  request: IncomingSignedRequest,
  lookup: (accessKeyId: string) => SigningIdentity<T> | undefined,
  options: { readonly region: string; readonly now: number },
): Promise<VerifiedRequest<T>> {
  const found = authenticationOf(request);
  if (found !== 'header' && found !== 'query') throw accessDenied();
  const mechanism: 'header' | 'query' = found;
  const query = new Map(request.query);
  const fields = mechanism === 'query' ? queryFields(query) : headerFields(request.headers.authorization ?? '');

  const scope = fields.credential.split('/');
  const [accessKeyId = '', shortDate, region, service, terminator] = scope;
  if (scope.length !== 5 || !accessKeyId || service !== 's3' || terminator !== 'aws4_request') {
    throw malformed(mechanism, `The credential is malformed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`);
  }
  if (region !== options.region) {
    throw malformed(mechanism, `The authorization header is malformed; the region '${region}' is wrong; expecting '${options.region}'`, {
      Region: options.region,
    });
  }
  const longDate = mechanism === 'query' ? (query.get('X-Amz-Date') ?? '') : (request.headers['x-amz-date'] ?? '');
  const signedAt = parseLongDate(longDate);
  if (signedAt === undefined || longDate.slice(0, 8) !== shortDate) {
    throw mechanism === 'query'
      ? new S3ErrorAnswer(
          400,
          'AuthorizationQueryParametersError',
          "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
        )
      : accessDenied('AWS authentication requires a valid Date or x-amz-date header');
  }

  let expiresIn = 0;
  if (mechanism === 'query') {
    expiresIn = Number(query.get('X-Amz-Expires'));
    if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_EXPIRES_SECONDS) {
      throw new S3ErrorAnswer(
        400,
        'AuthorizationQueryParametersError',
        'X-Amz-Expires must be less than a week (in seconds) that is; 604800',
      );
    }
    if (signedAt > options.now + MAX_SKEW_MS) throw accessDenied('Request is not valid yet');
    if (options.now > signedAt + expiresIn * 1000) {
      throw accessDenied('Request has expired', {
        'X-Amz-Expires': String(expiresIn),
        Expires: new Date(signedAt + expiresIn * 1000).toISOString(),
        ServerTime: new Date(options.now).toISOString(),
      });
    }
  } else if (Math.abs(options.now - signedAt) > MAX_SKEW_MS) {
    throw new S3ErrorAnswer(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.');
  }

  const identity = lookup(accessKeyId);
  if (!identity) {
    throw new S3ErrorAnswer(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', {
      AWSAccessKeyId: accessKeyId,
    });
  }
  const token = mechanism === 'query' ? query.get('X-Amz-Security-Token') : request.headers['x-amz-security-token'];
  if (identity.sessionToken !== undefined && token !== identity.sessionToken) {
    throw new S3ErrorAnswer(400, 'InvalidToken', 'The provided token is malformed or otherwise invalid.');
  }
  if (identity.expiresAt !== undefined && options.now >= identity.expiresAt) {
    throw new S3ErrorAnswer(400, 'ExpiredToken', 'The provided token has expired.');
  }

  const signedHeaders = fields.signedHeaders.split(';').filter(Boolean);
  if (!signedHeaders.includes('host'))
    throw accessDenied('There were headers present in the request which were not signed', { HeadersNotSigned: 'host' });
  // S3: every x-amz-* header sent must be signed (query auth's own parameters are not headers).
  const unsigned = Object.keys(request.headers).filter((name) => name.startsWith('x-amz-') && !signedHeaders.includes(name));
  if (unsigned.length > 0) {
    throw accessDenied('There were headers present in the request which were not signed', { HeadersNotSigned: unsigned.join(', ') });
  }
  const missing = signedHeaders.filter((name) => request.headers[name] === undefined);
  if (missing.length > 0) throw signatureMismatch();

  const payloadHash = mechanism === 'query' ? 'UNSIGNED-PAYLOAD' : (request.headers['x-amz-content-sha256'] ?? '');
  if (mechanism === 'header') checkPayloadHashHeader(payloadHash);

  const expected = await recomputedSignature(request, {
    mechanism,
    signedHeaders,
    accessKeyId,
    identity,
    region: options.region,
    signedAt,
    expiresIn,
  });
  if (!sameText(expected, fields.signature)) throw signatureMismatch();
  return {
    principal: identity.principal,
    accessKeyId,
    authType: mechanism === 'query' ? 'REST-QUERY-STRING' : 'REST-HEADER',
    signedHeaders,
    signedAt,
    payloadHash,
  };
}

function queryFields(query: Map<string, string>) {
  const missing = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires'].filter(
    (name) => !query.has(name),
  );
  if (missing.length > 0) {
    throw new S3ErrorAnswer(
      400,
      'AuthorizationQueryParametersError',
      `Query-string authentication version 4 requires the ${missing.join(', ')} parameters.`,
    );
  }
  if (query.get('X-Amz-Algorithm') !== ALGORITHM) {
    throw new S3ErrorAnswer(400, 'AuthorizationQueryParametersError', 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  }
  return {
    credential: query.get('X-Amz-Credential') ?? '',
    signedHeaders: query.get('X-Amz-SignedHeaders') ?? '',
    signature: query.get('X-Amz-Signature') ?? '',
  };
}

function headerFields(authorization: string) {
  const match = /^AWS4-HMAC-SHA256\s+(.*)$/.exec(authorization.trim());
  const parts = new Map(
    (match?.[1] ?? '').split(',').map((part) => {
      const [name = '', ...value] = part.trim().split('=');
      return [name, value.join('=')] as const;
    }),
  );
  const credential = parts.get('Credential');
  const signedHeaders = parts.get('SignedHeaders');
  const signature = parts.get('Signature');
  if (!match || !credential || !signedHeaders || !signature) {
    throw new S3ErrorAnswer(
      400,
      'AuthorizationHeaderMalformed',
      'The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.',
    );
  }
  return { credential, signedHeaders, signature };
}

function checkPayloadHashHeader(payloadHash: string): void {
  if (payloadHash === '') {
    throw new S3ErrorAnswer(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  }
  if (payloadHash.startsWith('STREAMING-')) {
    throw new S3ErrorAnswer(
      501,
      'NotImplemented',
      'Local S3 does not take aws-chunked (streaming) uploads; sign the payload or send UNSIGNED-PAYLOAD.',
    );
  }
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && !/^[0-9a-f]{64}$/.test(payloadHash)) {
    throw new S3ErrorAnswer(
      400,
      'InvalidArgument',
      'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, or a valid sha256 value.',
    );
  }
}

async function recomputedSignature<T>(
  request: IncomingSignedRequest,
  input: {
    mechanism: 'header' | 'query';
    signedHeaders: readonly string[];
    accessKeyId: string;
    identity: SigningIdentity<T>;
    region: string;
    signedAt: number;
    expiresIn: number;
  },
): Promise<string> {
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: input.accessKeyId,
      secretAccessKey: input.identity.secretAccessKey,
      sessionToken: input.identity.sessionToken,
    },
    region: input.region,
    service: 's3',
    sha256: Hash.bind(null, 'sha256'),
    // S3 signs the path as sent, without normalising or encoding it again.
    uriEscapePath: false,
    applyChecksum: false,
  });
  const headers = Object.fromEntries(input.signedHeaders.map((name) => [name, request.headers[name] ?? '']));
  const query: QueryParameterBag = {};
  for (const [name, value] of request.query) {
    if (input.mechanism === 'query' && QUERY_AUTH_PARAMETERS.has(name)) continue;
    const existing = query[name];
    query[name] = existing === undefined || existing === null ? value : [...[existing].flat().map(String), value];
  }
  const base: HttpRequest = {
    method: request.method,
    protocol: 'http:',
    hostname: headers.host ?? '',
    path: request.rawPath,
    headers,
    query,
  };
  const signableHeaders = new Set(input.signedHeaders);
  if (input.mechanism === 'header') {
    const signed = await signer.sign(base, { signingDate: new Date(input.signedAt), signableHeaders });
    return /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization))?.[1] ?? '';
  }
  // A presigned URL's payload is UNSIGNED-PAYLOAD; the header only tells the signer so and is neither signed nor hoisted.
  const presigned = await signer.presign(
    { ...base, headers: { ...headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } },
    {
      signingDate: new Date(input.signedAt),
      expiresIn: input.expiresIn,
      signableHeaders,
      unsignableHeaders: new Set(['x-amz-content-sha256']),
      unhoistableHeaders: new Set([...input.signedHeaders, 'x-amz-content-sha256']),
    },
  );
  return String(presigned.query?.['X-Amz-Signature'] ?? '');
}

function parseLongDate(text: string): number | undefined {
  const match = LONG_DATE.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number);
  const time = Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute, second);
  return Number.isNaN(time) ? undefined : time;
}

function malformed(mechanism: 'header' | 'query', message: string, details: Record<string, string> = {}): S3ErrorAnswer {
  return mechanism === 'query'
    ? new S3ErrorAnswer(400, 'AuthorizationQueryParametersError', message, details)
    : new S3ErrorAnswer(400, 'AuthorizationHeaderMalformed', message, details);
}

function signatureMismatch(): S3ErrorAnswer {
  return new S3ErrorAnswer(
    403,
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  );
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
