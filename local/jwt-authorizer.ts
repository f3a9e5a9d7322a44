/**
 * The local twin of API Gateway's JWT authorizer: verifies the bearer token's signature
 * against the local user pool's JWKS, its issuer, expiry, and that it was issued to our app
 * client (`aud` for ID tokens, `client_id` for access tokens), as API Gateway does; then, as
 * for a route with `authorizationScopes`, that the token carries one of the required scopes
 * (ID tokens carry none): 403 `insufficient_scope` otherwise, as API Gateway and RFC 6750 answer.
 */
import { JwtVerifier } from 'aws-jwt-verify';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { scopesOf } from '../lambdas/shared/access-tokens';

/** The claims as API Gateway passes them to a function: every value a string. */
type Claims = Record<string, string>;

/** What the authorizer decided: the claims and scopes API Gateway hands the function, or a refusal and its challenge. */
type Authorization =
  | { readonly claims: Claims; readonly scopes: readonly string[] }
  | { readonly status: 401 | 403 | 503; readonly message: string; readonly challenge?: string };

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
export function createJwtAuthorizer(options: {
  issuer: string;
  jwksUri: string;
  clientId: string;
  /** A token must carry one of these (the routes' `authorizationScopes`); none required when empty. */
  requiredScopes: readonly string[];
}): JwtAuthorizer {
  const verifier = JwtVerifier.create(
    {
      issuer: options.issuer,
      jwksUri: options.jwksUri,
      // Checked below instead: access tokens carry `client_id`, not `aud`.
      audience: null,
      customJwtCheck: ({ payload }) => {
        // As API Gateway: `client_id` is checked only when there is no `aud`; with both, `aud` decides.
        const audience = payload.aud ?? payload.client_id;
        if (audience !== options.clientId) {
          throw new Error('token was not issued to this app client');
        }
      },
    },
    { jwksCache: new SimpleJwksCache({ fetcher: loopbackHttpFetcher }) },
  );
  return {
    async authorize(header) {
      const token = header?.replace(/^Bearer\s+/i, '').trim();
      if (!token) return { status: 401, message: 'Unauthorized', challenge: 'Bearer' };
      let payload: JwtPayload;
      try {
        payload = await verifier.verify(token);
      } catch (error) {
        if (error instanceof JwksUnavailableError) return { status: 503, message: 'Service Unavailable' };
        return { status: 401, message: 'Unauthorized', challenge: 'Bearer error="invalid_token"' };
      }
      const scopes = scopesOf(payload);
      if (options.requiredScopes.length > 0 && !scopes.some((scope) => options.requiredScopes.includes(scope))) {
        const required = options.requiredScopes.join(' ');
        return { status: 403, message: 'Forbidden', challenge: `Bearer scope="${required}" error="insufficient_scope"` };
      }
      return { claims: apiGatewayClaims(payload), scopes };
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
