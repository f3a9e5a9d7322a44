/**
 * The signed-in session: Cognito's tokens, kept in `sessionStorage` so a reload (say, in the
 * middle of an upload) keeps the user signed in, and gone with the tab. The access token is
 * refreshed shortly before it expires and when the API refuses it; once the refresh token is
 * refused too, the session has expired and the page asks the user to sign in again.
 */
import { refreshTokens, type CognitoTokens } from '../cognito';
import { FileApiError } from '../errors';

const STORAGE_KEY = 'secure-file-service.session';
/** Refresh this long before the access token expires, so no request carries a dying one. */
const REFRESH_MARGIN_MS = 60_000;

/** Where the user pool is. */
export interface CognitoApp {
  readonly endpoint: string;
  readonly clientId: string;
}

/** A signed-in user and their tokens. */
export interface Session {
  readonly username: string;
  /** The file client's `getToken`: throws `UNAUTHORIZED` (and calls `onExpired`) once the session cannot be renewed. */
  getToken(request: { readonly forceRefresh: boolean }): Promise<string>;
  /** After signing in again in the same tab. */
  replace(tokens: CognitoTokens): void;
  /** Forgets the tokens (sign-out). */
  end(): void;
}

/** A session for fresh tokens, or the one this tab kept; `undefined` when there is none. */
export function openSession(
  app: CognitoApp,
  onExpired: () => void,
  signedIn?: { readonly username: string; readonly tokens: CognitoTokens },
): Session | undefined {
  const kept = signedIn ?? readKept();
  if (!kept) return undefined;
  let tokens = kept.tokens;
  let refreshing: Promise<CognitoTokens> | undefined;
  const keep = () => sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ username: kept.username, tokens }));
  keep();
  const expired = (): never => {
    onExpired();
    throw new FileApiError(401, 'UNAUTHORIZED', 'Your session has expired: sign in again.');
  };
  return {
    username: kept.username,
    async getToken({ forceRefresh }) {
      if (!forceRefresh && tokens.expiresAt - Date.now() > REFRESH_MARGIN_MS) return tokens.accessToken;
      const { refreshToken } = tokens;
      if (!refreshToken) return expired();
      refreshing ??= refreshTokens({ ...app, refreshToken }).finally(() => {
        refreshing = undefined;
      });
      try {
        tokens = await refreshing;
      } catch {
        return expired();
      }
      keep();
      return tokens.accessToken;
    },
    replace(fresh) {
      tokens = fresh;
      keep();
    },
    end() {
      sessionStorage.removeItem(STORAGE_KEY);
    },
  };
}

function readKept(): { username: string; tokens: CognitoTokens } | undefined {
  try {
    const kept = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as { username?: unknown; tokens?: CognitoTokens } | null;
    return typeof kept?.username === 'string' && typeof kept.tokens?.accessToken === 'string'
      ? { username: kept.username, tokens: kept.tokens }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Whether an error means the user must sign in again. */
export function isSessionExpired(error: unknown): boolean {
  return error instanceof FileApiError && error.status === 401;
}
