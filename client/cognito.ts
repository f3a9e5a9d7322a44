/**
 * Signs a user in to a Cognito user pool with a username and password (`USER_PASSWORD_AUTH`),
 * over Cognito's plain JSON API: enough for local mode, scripts and tests. A production web
 * app would rather use its auth library (Amplify Auth, SRP, or the hosted UI).
 */

/** The tokens Cognito hands out. */
export interface CognitoTokens {
  readonly idToken: string;
  readonly accessToken: string;
  readonly refreshToken?: string;
  /** Seconds. */
  readonly expiresIn: number;
}

/** Where and as whom to sign in. */
export interface PasswordSignIn {
  /** `https://cognito-idp.{region}.amazonaws.com`, or the local emulator's URL. */
  readonly endpoint: string;
  readonly clientId: string;
  readonly username: string;
  readonly password: string;
  readonly fetch?: typeof fetch;
}

/** Calls `InitiateAuth` with `USER_PASSWORD_AUTH`; throws with Cognito's message when it refuses. */
export async function signInWithPassword(options: PasswordSignIn): Promise<CognitoTokens> {
  const http = options.fetch ?? fetch;
  const response = await http(options.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth',
    },
    body: JSON.stringify({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: options.clientId,
      AuthParameters: { USERNAME: options.username, PASSWORD: options.password },
    }),
  });
  const body = (await response.json().catch(() => ({}))) as {
    AuthenticationResult?: { IdToken: string; AccessToken: string; RefreshToken?: string; ExpiresIn: number };
    ChallengeName?: string;
    message?: string;
  };
  const result = body.AuthenticationResult;
  if (!response.ok || !result) {
    throw new Error(
      body.message ?? (body.ChallengeName ? `Cognito asks for ${body.ChallengeName}` : `Sign-in failed (${response.status})`),
    );
  }
  return { idToken: result.IdToken, accessToken: result.AccessToken, refreshToken: result.RefreshToken, expiresIn: result.ExpiresIn };
}
