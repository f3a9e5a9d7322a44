/**
 * `npm start` as a newcomer runs it: a separate process that prints its banner, serves the
 * demo, keeps its data across restarts, and leaves no port open when stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createFileClient, signInWithPassword } from '../../client';

jest.setTimeout(90_000);

const root = path.join(__dirname, '..', '..');
const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'file-service-start-'));
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(socket.destroy() && true));
    socket.once('error', () => resolve(false));
  });
}

/** Starts `npm start`'s entry point and resolves once its banner is out. */
async function start(ports: Record<'API_PORT' | 'S3_PORT' | 'COGNITO_PORT' | 'DYNAMODB_PORT', number>) {
  const started = Date.now();
  const child = spawn(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), path.join(root, 'bin/local.ts')], {
    cwd: root,
    env: { ...process.env, ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])), LOCAL_DIR: directory },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes('local mode is up')) resolve();
      if (child.exitCode !== null) reject(new Error(`npm start exited: ${output}`));
    }, 50);
    child.once('exit', () => clearInterval(timer));
    setTimeout(() => {
      clearInterval(timer);
      reject(new Error(`no banner within 60 s: ${output}`));
    }, 60_000).unref();
  }).finally(() => undefined);
  return { child, output: () => output, startupMs: Date.now() - started };
}

/** Alice's client against the running process, as a frontend would build it from outputs.json. */
async function aliceClient() {
  const outputs = JSON.parse(fs.readFileSync(path.join(directory, 'outputs.json'), 'utf8')).SecureFileService;
  const tokens = await signInWithPassword({
    endpoint: outputs.CognitoEndpoint,
    clientId: outputs.UserPoolClientId,
    username: 'alice',
    password: 'Passw0rd!local',
  });
  return { outputs, client: createFileClient({ apiUrl: outputs.ApiUrl, getToken: () => tokens.accessToken }) };
}

async function stop(child: ChildProcess): Promise<number | null> {
  child.kill('SIGTERM');
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

it('starts within a minute, keeps its pool and files across restarts, and stops cleanly', async () => {
  const ports = { API_PORT: await freePort(), S3_PORT: await freePort(), COGNITO_PORT: await freePort(), DYNAMODB_PORT: await freePort() };

  const first = await start(ports);
  const { outputs, client } = await aliceClient();
  const page = await fetch(`http://127.0.0.1:${ports.API_PORT}/`);
  const { key } = await client.upload(new TextEncoder().encode('kept across restarts'), {
    filename: 'kept.txt',
    contentType: 'text/plain',
  });
  const firstExit = await stop(first.child);

  expect(first.startupMs).toBeLessThan(60_000);
  expect(first.output()).toContain('alice, bob');
  expect(outputs).toMatchObject({
    ApiUrl: `http://127.0.0.1:${ports.API_PORT}`,
    BucketName: expect.any(String),
    UserPoolId: expect.any(String),
  });
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<title>Secure file service');
  expect(firstExit).toBe(0);
  for (const port of Object.values(ports)) expect(await isListening(port)).toBe(false);

  const second = await start(ports);
  const again = await aliceClient();
  const listed = await again.client.list();
  await stop(second.child);

  expect(again.outputs.UserPoolId).toBe(outputs.UserPoolId);
  expect(again.outputs.UserPoolClientId).toBe(outputs.UserPoolClientId);
  expect(listed.files.map((file) => file.key)).toContain(key);
});
