/**
 * YARDSTICK ONLY, never used by the service: the least work a presigned S3 URL can take, a
 * SigV4 query-string presign with `node:crypto` and the signing key cached per day. Production
 * signs with the SDK's presigner; this is the floor the benchmark compares it with.
 *
 * `bench/url-issue.mjs` checks that it produces the very URL the production signer produces for
 * the same request, so the floor is a real presign and not a shortcut.
 */
import { createHash, createHmac } from 'node:crypto';

const ALGORITHM = 'AWS4-HMAC-SHA256';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** RFC 3986 encoding, as SigV4 wants it (`encodeURIComponent` leaves `!'()*` alone). */
const encode = (text) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * A presigner for one set of credentials and one region:
 * `presign({ method, host, key, headers, query, expiresIn, signedAt })` answers the URL.
 * Header names lower-case; headers named `x-amz-*` stay headers (signed), as the service does.
 */
export function createFloorPresigner({ region, credentials }) {
  const signingKeys = new Map();
  const signingKey = (date) => {
    let key = signingKeys.get(date);
    if (!key) {
      const hmac = (secret, text) => createHmac('sha256', secret).update(text).digest();
      key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, date), region), 's3'), 'aws4_request');
      signingKeys.set(date, key);
    }
    return key;
  };

  return {
    presign({ method, host, key, headers = {}, query = {}, expiresIn, signedAt }) {
      const amzDate = signedAt.toISOString().replace(/[-:]|\.\d{3}/g, '');
      const date = amzDate.slice(0, 8);
      const scope = `${date}/${region}/s3/aws4_request`;
      const signed = { ...headers, host };
      const names = Object.keys(signed).sort();
      const signedHeaders = names.join(';');
      const params = {
        ...query,
        'X-Amz-Algorithm': ALGORITHM,
        'X-Amz-Content-Sha256': UNSIGNED_PAYLOAD,
        'X-Amz-Credential': `${credentials.accessKeyId}/${scope}`,
        'X-Amz-Date': amzDate,
        'X-Amz-Expires': String(expiresIn),
        'X-Amz-Security-Token': credentials.sessionToken,
        'X-Amz-SignedHeaders': signedHeaders,
      };
      const canonicalQuery = Object.keys(params)
        .sort()
        .map((name) => `${encode(name)}=${encode(params[name])}`)
        .join('&');
      const path = `/${key.split('/').map(encode).join('/')}`;
      const canonicalHeaders = names.map((name) => `${name}:${String(signed[name]).trim().replace(/\s+/g, ' ')}\n`).join('');
      const canonicalRequest = [method, path, canonicalQuery, canonicalHeaders, signedHeaders, UNSIGNED_PAYLOAD].join('\n');
      const stringToSign = [ALGORITHM, amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
      const signature = createHmac('sha256', signingKey(date)).update(stringToSign).digest('hex');
      // `X-Amz-Signature` sorts between `X-Amz-Security-Token` and `X-Amz-SignedHeaders`, where the SDK puts it.
      const url = `https://${host}${path}?${canonicalQuery}`;
      return url.replace('&X-Amz-SignedHeaders=', `&X-Amz-Signature=${signature}&X-Amz-SignedHeaders=`);
    },
  };
}
