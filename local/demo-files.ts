/** The demo page, with its script bundled on first request by esbuild from `client/demo/`. */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { StaticFile } from './api-gateway';

const DEMO = path.join(__dirname, '..', 'client', 'demo');
let files: Promise<Record<string, StaticFile>> | undefined;

/** `/` and `/demo.js`. */
export function demoFiles(): Promise<Record<string, StaticFile>> {
  files ??= build();
  return files;
}

async function build(): Promise<Record<string, StaticFile>> {
  const esbuild = await import('esbuild');
  const [html, script] = await Promise.all([
    fs.readFile(path.join(DEMO, 'index.html')),
    esbuild.build({
      entryPoints: [path.join(DEMO, 'demo.ts')],
      bundle: true,
      format: 'esm',
      target: 'es2022',
      minify: true,
      write: false,
      logLevel: 'silent',
    }),
  ]);
  return {
    '/': { contentType: 'text/html; charset=utf-8', body: html },
    '/demo.js': { contentType: 'text/javascript; charset=utf-8', body: Buffer.from(script.outputFiles[0]?.contents ?? []) },
  };
}
