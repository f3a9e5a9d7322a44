/**
 * Signs a user in to a Cognito user pool with a username and password (`USER_PASSWORD_AUTH`),
 * over Cognito's plain JSON API, and keeps the access token fresh (`REFRESH_TOKEN_AUTH`): enough
 * for local mode, scripts and tests. A production web app would rather use its auth library
 * (Amplify Auth with SRP, or the hosted UI's code flow with PKCE) and hand the file client its
 * **access** token: the API refuses ID tokens.
 */
import { FileApiError } from './errors';

/** The tokens Cognito hands out. */
export interface CognitoTokens {
  /** What the API accepts: it carries the `aws.cognito.signin.user.admin` scope the routes require. */
  readonly accessToken: string;
  /** Who the user is, for the page itself; the API refuses it (no scope). */
  readonly idToken: string;
  readonly refreshToken?: string;
  /** Seconds. */
  readonly expiresIn: number;
  /** When the access token expires, in epoch milliseconds (from `expiresIn` and the clock at sign-in). */
  readonly expiresAt: number;
}

/** Where and as whom to sign in. */
export interface PasswordSignIn {
  /** `https://cognito-idp.{region}.{amazonaws.com or amazonaws.com.cn}`, or the local emulator's URL. */
  readonly endpoint: string;
  readonly clientId: string;
  readonly username: string;
  readonly password: string;
  readonly fetch?: typeof fetch;
  /** The clock, in epoch milliseconds. @default Date.now */
  readonly now?: () => number;
}

/**
 * Calls `InitiateAuth` with `USER_PASSWORD_AUTH`. Cognito's refusal is a `FileApiError` with
 * code `COGNITO_<type>` (`COGNITO_NotAuthorizedException` for a wrong password).
 */
export function signInWithPassword(options: PasswordSignIn): Promise<CognitoTokens> {
  return initiateAuth(options, 'USER_PASSWORD_AUTH', { USERNAME: options.username, PASSWORD: options.password });
}

/**
 * New tokens from a refresh token (`REFRESH_TOKEN_AUTH`, the Cognito refresh-token flow); the
 * refresh token itself is kept. A revoked or expired one is a `FileApiError`
 * (`COGNITO_NotAuthorizedException`): sign in again.
 */
export async function refreshTokens(
  options: Omit<PasswordSignIn, 'username' | 'password'> & { readonly refreshToken: string },
): Promise<CognitoTokens> {
  const tokens = await initiateAuth(options, 'REFRESH_TOKEN_AUTH', { REFRESH_TOKEN: options.refreshToken });
  return { ...tokens, refreshToken: tokens.refreshToken ?? options.refreshToken };
}

/** Refresh this long before the access token expires, so no request carries a dying one. */
const TOKEN_REFRESH_MARGIN_MS = 60_000;

/**
 * The `getToken` of a file client for signed-in tokens: the access token, refreshed shortly
 * before it expires and whenever the client asks (`forceRefresh`, after a 401 or a network
 * error that may be a CORS-less 401). Concurrent callers share one refresh.
 */
export function cognitoTokenSource(
  tokens: CognitoTokens,
  options: Omit<PasswordSignIn, 'username' | 'password'>,
): (request?: { readonly forceRefresh: boolean }) => Promise<string> {
  const now = options.now ?? (() => Date.now());
  let current = tokens;
  let refreshing: Promise<CognitoTokens> | undefined;
  return async (request) => {
    const due = request?.forceRefresh === true || current.expiresAt - now() <= TOKEN_REFRESH_MARGIN_MS;
    if (!due || !current.refreshToken) return current.accessToken;
    refreshing ??= refreshTokens({ ...options, refreshToken: current.refreshToken }).finally(() => {
      refreshing = undefined;
    });
    current = await refreshing;
    return current.accessToken;
  };
}

async function initiateAuth(
  options: Omit<PasswordSignIn, 'username' | 'password'>,
  flow: 'USER_PASSWORD_AUTH' | 'REFRESH_TOKEN_AUTH',
  parameters: Record<string, string>,
): Promise<CognitoTokens> {
  const http = options.fetch ?? fetch;
  const now = options.now ?? (() => Date.now());
  let response: Response;
  try {
    response = await http(options.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth',
      },
      body: JSON.stringify({ AuthFlow: flow, ClientId: options.clientId, AuthParameters: parameters }),
    });
  } catch (error) {
    throw new FileApiError(0, 'NETWORK_ERROR', `Cognito could not be reached: ${String(error)}`);
  }
  const body = (await response.json().catch(() => ({}))) as {
    AuthenticationResult?: { IdToken: string; AccessToken: string; RefreshToken?: string; ExpiresIn: number };
    ChallengeName?: string;
    message?: string;
    __type?: string;
  };
  const result = body.AuthenticationResult;
  if (!response.ok || !result) {
    // `__type` may be namespaced (`com.amazonaws...#NotAuthorizedException`): the name is after the `#`.
    const type = body.__type?.split('#').pop() ?? (body.ChallengeName ? `Challenge${body.ChallengeName}` : `HTTP_${response.status}`);
    throw new FileApiError(
      response.status,
      `COGNITO_${type}`,
      body.message ?? (body.ChallengeName ? `Cognito asks for ${body.ChallengeName}` : `Sign-in failed (${response.status})`),
    );
  }
  return {
    accessToken: result.AccessToken,
    idToken: result.IdToken,
    refreshToken: result.RefreshToken,
    expiresIn: result.ExpiresIn,
    expiresAt: now() + result.ExpiresIn * 1000,
  };
}
