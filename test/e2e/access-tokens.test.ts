/**
 * Access tokens only, over real HTTP: local mode's authorizer requires the routes' scope as API
 * Gateway does with `authorizationScopes`, so an ID token of the same user and app client is
 * refused, and an access token (which carries the scope) is accepted.
 */
import { startTestLocalMode, type TestLocalMode } from './local-mode';

jest.setTimeout(30_000);

let local: TestLocalMode;
beforeAll(async () => {
  local = await startTestLocalMode();
});
afterAll(() => local?.stop());

async function withChallenge(token: string) {
  const response = await fetch(`${local.apiUrl}/files`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.json() };
}

describe('the API', () => {
  it('accepts an access token: it carries the aws.cognito.signin.user.admin scope', async () => {
    const answer = await local.api('GET', '/files', { token: await local.token('alice') });

    expect(answer.status).toBe(200);
  });

  it('refuses an ID token of the same user and client, as API Gateway refuses a token without the route’s scope', async () => {
    const answer = await withChallenge(await local.idToken('alice'));

    expect(answer).toEqual({
      status: 403,
      challenge: 'Bearer scope="aws.cognito.signin.user.admin" error="insufficient_scope"',
      body: { message: 'Forbidden' },
    });
  });

  it('still answers 401 for a token it cannot verify', async () => {
    const answer = await withChallenge('not.a.token');

    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ message: 'Unauthorized' });
  });
});
