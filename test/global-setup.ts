/** Once per `jest` run, before any worker starts: the directory where infra suites share synthesized templates. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export default function globalSetup(): void {
  // Workers inherit the environment of the process that runs this.
  process.env.SYNTH_CACHE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'file-service-synth-'));
}
