/**
 * Which tokens the API accepts: access tokens only. API Gateway's JWT authorizer cannot tell an
 * access token from an ID token by itself (both are signed by the pool and name the app client),
 * so every route requires a scope, and only access tokens carry one.
 */

/**
 * The scope Cognito puts in every access token of a user-pool sign-in (`USER_SRP_AUTH`,
 * `USER_PASSWORD_AUTH`, refresh): the default scope every route requires. The hosted UI's
 * tokens carry it too when the app client allows it (`aws.cognito.signin.user.admin`).
 */
export const COGNITO_SIGN_IN_SCOPE = 'aws.cognito.signin.user.admin';

/** The scopes a token carries: Cognito (and OAuth 2.0) write them space-separated in `scope`. */
export function scopesOf(claims: Readonly<Record<string, unknown>>): string[] {
  const scope = claims.scope ?? claims.scp;
  if (typeof scope === 'string') return scope.split(' ').filter(Boolean);
  if (Array.isArray(scope)) return scope.filter((item): item is string => typeof item === 'string');
  return [];
}
