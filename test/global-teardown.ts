/** Once per `jest` run, after every suite: removes the shared templates. */
import * as fs from 'node:fs';

export default function globalTeardown(): void {
  const directory = process.env.SYNTH_CACHE_DIR;
  if (directory) fs.rmSync(directory, { recursive: true, force: true });
}
