/**
 * Verification latency in local mode: for each of N small PNG uploads, the time from S3's answer
 * to the PUT until `GET /files/{id}` says `available` (polled), through the emulator's events, the
 * local queue and the verifier. Run: `npx tsx bench/verification-latency.ts [files]`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { signInWithPassword } from '../client';
import { startLocalMode } from '../local/local-mode';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

async function main(): Promise<void> {
  const files = Number(process.argv[2] ?? 60);
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'verification-latency-'));
  const stack = await startLocalMode({ apiPort: 0, s3Port: 0, cognitoPort: 0, dynamoDbPort: 0, directory });
  try {
    const { idToken } = await signInWithPassword({
      endpoint: stack.outputs.CognitoEndpoint,
      clientId: stack.outputs.UserPoolClientId,
      username: 'alice',
      password: 'Passw0rd!local',
    });
    const api = async (method: string, route: string, body?: unknown) => {
      const response = await fetch(`${stack.outputs.ApiUrl}${route}`, {
        method,
        headers: { authorization: `Bearer ${idToken}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return (await response.json()) as Record<string, unknown>;
    };
    const latencies: number[] = [];
    for (let index = 0; index < files; index += 1) {
      const plan = (await api('POST', '/uploads', { filename: `p${index}.png`, contentType: 'image/png', size: PNG.length })) as {
        id: string;
        url: string;
        headers: Record<string, string>;
      };
      await fetch(plan.url, { method: 'PUT', headers: plan.headers, body: new Uint8Array(PNG) });
      const uploaded = performance.now();
      while ((await api('GET', `/files/${plan.id}`)).status === 'pending');
      latencies.push(performance.now() - uploaded);
    }
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)]!.toFixed(1);
    process.stdout.write(`${JSON.stringify({ files, medianMs: at(0.5), p99Ms: at(0.99), maxMs: at(1) })}\n`);
  } finally {
    await stack.stop();
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

void main();
