/**
 * The local user pool is closed as a Cognito user pool is (D8): its port serves sign-in and the
 * JWKS, but not the admin API or self sign-up to anyone but local mode itself; its tokens are
 * signed with a key of its own, not the one shipped in node_modules; seeded users carry their
 * groups.
 */
import { createVerify } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import * as fs from 'node:fs';
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolCommand,
  ListUsersCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { signInWithPassword } from '../../client';
import { startTestLocalMode, type TestLocalMode } from './local-mode';
import { subOf } from './s3-requests';

jest.setTimeout(60_000);

let local: TestLocalMode;
let cognito: CognitoIdentityProviderClient;

beforeAll(async () => {
  local = await startTestLocalMode();
  cognito = new CognitoIdentityProviderClient({
    endpoint: local.stack.outputs.CognitoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'anyone', secretAccessKey: 'anyone' },
  });
});

afterAll(async () => {
  cognito.destroy();
  await local.stop();
});

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

describe('D8 · the admin API answers local mode only', () => {
  it("refuses an unauthenticated AdminCreateUser carrying Alice's sub, and no one can sign in as that user", async () => {
    const UserPoolId = local.stack.outputs.UserPoolId;
    const created = cognito.send(
      new AdminCreateUserCommand({
        UserPoolId,
        Username: 'mallory',
        UserAttributes: [{ Name: 'sub', Value: await subOf(local, 'alice') }],
      }),
    );
    await expect(created).rejects.toMatchObject({ name: 'NotAuthorizedException' });
    await expect(
      cognito.send(new AdminSetUserPasswordCommand({ UserPoolId, Username: 'mallory', Password: 'Passw0rd!evil', Permanent: true })),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException' });
    await expect(
      signInWithPassword({
        endpoint: local.stack.outputs.CognitoEndpoint,
        clientId: local.stack.outputs.UserPoolClientId,
        username: 'mallory',
        password: 'Passw0rd!evil',
      }),
    ).rejects.toThrow();
  });

  it.each([
    ['ListUsers', () => new ListUsersCommand({ UserPoolId: local.stack.outputs.UserPoolId })],
    ['CreateUserPool', () => new CreateUserPoolCommand({ PoolName: 'attacker' })],
  ] as const)('refuses %s without the admin secret', async (_, command) => {
    await expect(cognito.send(command() as ListUsersCommand)).rejects.toMatchObject({ name: 'NotAuthorizedException' });
  });

  it('refuses self sign-up (the pool has none unless configured)', async () => {
    const signUp = cognito.send(
      new SignUpCommand({ ClientId: local.stack.outputs.UserPoolClientId, Username: 'eve', Password: 'Passw0rd!eve1' }),
    );
    await expect(signUp).rejects.toMatchObject({ name: 'NotAuthorizedException' });
  });
});

describe('D8 · tokens', () => {
  it('are not signed with the key cognito-local ships in node_modules', async () => {
    const shipped = JSON.parse(fs.readFileSync(require.resolve('cognito-local/lib/keys/cognitoLocal.public.json'), 'utf8')) as {
      jwk: object;
    };
    const [header = '', payload = '', signature = ''] = (await local.token('alice')).split('.');
    const verifiesWith = (jwk: object) =>
      createVerify('RSA-SHA256')
        .update(`${header}.${payload}`)
        .verify(createPublicKey({ key: jwk as never, format: 'jwk' }), Buffer.from(signature, 'base64url'));
    const jwks = (await (await fetch(local.stack.cognito.jwksUri)).json()) as { keys: object[] };

    expect(verifiesWith(shipped.jwk)).toBe(false);
    expect(jwks.keys.some(verifiesWith)).toBe(true);
  });

  it("carry the seeded users' groups: bob is in pro, alice in none", async () => {
    expect(claimsOf(await local.token('bob'))['cognito:groups']).toEqual(['pro']);
    expect(claimsOf(await local.token('alice'))['cognito:groups']).toBeUndefined();
  });
});
