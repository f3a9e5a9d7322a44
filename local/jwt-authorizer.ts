/**
 * The local twin of API Gateway's JWT authorizer: verifies the bearer token's signature
 * against the local user pool's JWKS, its issuer, expiry, and that it was issued to our app
 * client (`aud` for ID tokens, `client_id` for access tokens), as API Gateway does.
 */
import { JwtVerifier } from 'aws-jwt-verify';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';

/** The claims as API Gateway passes them to a function: every value a string. */
type Claims = Record<string, string>;

/** What the authorizer decided. */
type Authorization = { readonly claims: Claims } | { readonly status: 401 | 503; readonly message: string };

/** Verifies `Authorization` headers. */
export interface JwtAuthorizer {
  authorize(authorizationHeader: string | undefined): Promise<Authorization>;
}

/** Thrown by the JWKS fetcher when the user pool cannot be reached: that is a 503, not a bad token. */
class JwksUnavailableError extends Error {
  override readonly name = 'JwksUnavailableError';
}

/** aws-jwt-verify fetches JWKS over https only; the local pool serves http, on loopback. */
const loopbackHttpFetcher: Fetcher = {
  async fetch(uri) {
    const response = await fetch(uri, { signal: AbortSignal.timeout(2000) }).catch((error: unknown) => {
      throw new JwksUnavailableError(`JWKS unreachable: ${String(error)}`);
    });
    if (!response.ok) throw new JwksUnavailableError(`JWKS answered ${response.status}`);
    return response.arrayBuffer();
  },
};

/** Creates an authorizer for tokens of one user pool and app client. */
export function createJwtAuthorizer(options: { issuer: string; jwksUri: string; clientId: string }): JwtAuthorizer {
  const verifier = JwtVerifier.create(
    {
      issuer: options.issuer,
      jwksUri: options.jwksUri,
      // Checked below instead: access tokens carry `client_id`, not `aud`.
      audience: null,
      customJwtCheck: ({ payload }) => {
        if (payload.aud !== options.clientId && payload.client_id !== options.clientId) {
          throw new Error('token was not issued to this app client');
        }
      },
    },
    { jwksCache: new SimpleJwksCache({ fetcher: loopbackHttpFetcher }) },
  );
  return {
    async authorize(header) {
      const token = header?.replace(/^Bearer\s+/i, '').trim();
      if (!token) return { status: 401, message: 'Unauthorized' };
      try {
        return { claims: apiGatewayClaims(await verifier.verify(token)) };
      } catch (error) {
        if (error instanceof JwksUnavailableError) return { status: 503, message: 'Service Unavailable' };
        return { status: 401, message: 'Unauthorized' };
      }
    },
  };
}

/** API Gateway hands claims to functions as strings, lists as `[a b]`. */
function apiGatewayClaims(payload: JwtPayload): Claims {
  return Object.fromEntries(Object.entries(payload).map(([name, value]) => [name, claimText(value)]));
}

function claimText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(claimText).join(' ')}]`;
  // A JSON object claim (none of ours) as JSON rather than `[object Object]`.
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}
