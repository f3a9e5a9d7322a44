/** The README's curl walk-through, run as written against local mode (only the outputs file's path differs). */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTestLocalMode, type TestLocalMode } from './local-mode';

jest.setTimeout(30_000);

const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
const localSection = readme.slice(readme.indexOf('## Local mode'), readme.indexOf('## Client'));
const walkThrough = /```sh\n(OUT=[\s\S]*?)```/.exec(localSection)?.[1];
const hasTools = ['jq', 'curl'].every((tool) => {
  try {
    execFileSync('which', [tool], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});
if (!hasTools && process.env.CI) throw new Error('CI must run the README walk-through: apt-get install -y jq curl');

(hasTools ? describe : describe.skip)('the README local-mode walk-through', () => {
  let local: TestLocalMode;
  const workDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-'));
  beforeAll(async () => {
    local = await startTestLocalMode();
  });
  afterAll(async () => {
    await local?.stop();
    fs.rmSync(workDirectory, { recursive: true, force: true });
  });

  it('uploads hello.txt, downloads it back and lists it', async () => {
    const outputs = path.join(workDirectory, 'outputs.json');
    fs.writeFileSync(outputs, JSON.stringify({ SecureFileService: local.stack.outputs }));
    expect(walkThrough).toBeDefined();

    // Asynchronously: local mode answers from this very process.
    const { stdout: output } = await promisify(execFile)(
      'bash',
      ['-euo', 'pipefail', '-c', (walkThrough ?? '').replace('OUT=.local/outputs.json', `OUT=${outputs}`)],
      { cwd: workDirectory, encoding: 'utf8', timeout: 20_000 },
    );

    expect(output.split('\n').filter(Boolean)).toEqual(['hello', '"hello.txt"']);
  });
});
