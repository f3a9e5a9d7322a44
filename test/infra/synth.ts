/**
 * Synthesises the app as `cdk synth` does (`createApp`, which `bin/app.ts` runs, with cdk.json's
 * feature flags and context), without bundling.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import * as cdkJson from '../../cdk.json';
import { createApp } from '../../lib/app';
import type { FileServiceStackProps } from '../../lib/stack/file-service-stack';

/**
 * The app, its stack and their template, for context values as `-c name=value` would give them,
 * and for props only a caller of the construct can give. Without cdk-nag, unless `nag` (the
 * cdk-nag test runs it as `cdk synth` does). A fresh app each call: for tests that add to it.
 */
export function synthesize(context: Record<string, unknown> = {}, props: FileServiceStackProps = {}, nag = false) {
  const { app, stack } = createApp({
    context: {
      ...cdkJson.context,
      // esbuild is exercised by `npm run synth` and the bundle test; here only the template matters.
      'aws:cdk:bundling-stacks': [],
      // cdk.json's origins are localhost only, for local mode: opted in here, so the deploy guard
      // (its warning and rule) is tested on its own in file-service-stack.test.ts.
      allowLocalhostOnly: 'true',
      ...context,
    },
    props,
    nag,
  });
  let template: Template | undefined;
  return {
    app,
    stack,
    /** Synthesised on first use, so that a test can still add validation plugins (cdk-nag) before. */
    get template(): Template {
      template ??= Template.fromStack(stack);
      return template;
    },
  };
}

/**
 * The template for context values, synthesised once per `jest` run and shared by every infra
 * suite (each runs in its own module registry, often in another worker: the share is a file in
 * the run's directory, set up by test/global-setup.ts). Outside such a run, synthesised each time.
 */
export function templateOf(context: Record<string, unknown> = {}): Template {
  const directory = process.env.SYNTH_CACHE_DIR;
  if (!directory) return synthesize(context).template;
  const key = crypto
    .createHash('sha256')
    .update(JSON.stringify(Object.entries(context).sort()))
    .digest('hex')
    .slice(0, 16);
  const file = path.join(directory, `${key}.json`);
  if (fs.existsSync(file)) return Template.fromJSON(JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>);
  const template = synthesize(context).template;
  // Another worker may be writing the same configuration: each writes whole files, renamed into place.
  const partial = `${file}.${process.pid}`;
  fs.writeFileSync(partial, JSON.stringify(template.toJSON()));
  fs.renameSync(partial, file);
  return template;
}

/** The one resource of a type whose logical id starts with `prefix`. */
export function resourceOf(template: Template, type: string, prefix: string): { id: string; properties: Record<string, unknown> } {
  const matches = Object.entries(template.findResources(type)).filter(([id]) => id.startsWith(prefix));
  if (matches.length !== 1) throw new Error(`expected one ${type} starting with ${prefix}, found ${matches.length}`);
  const [[id, resource]] = matches as [[string, { Properties: Record<string, unknown> }]];
  return { id, properties: resource.Properties };
}
