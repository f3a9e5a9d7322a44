/** Synthesises the app as `cdk synth` does (cdk.json's feature flags and context), without bundling. */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cdkJson from '../../cdk.json';
import { stackPropsFromContext } from '../../lib/stack/context';
import { FileServiceStack, type FileServiceStackProps } from '../../lib/stack/file-service-stack';

/**
 * The synthesized stack and its template, for context values as `-c name=value` would give them,
 * and for props only a caller of the construct can give (`service` props are merged).
 */
export function synthesize(context: Record<string, unknown> = {}, props: FileServiceStackProps = {}) {
  const app = new App({
    context: {
      ...cdkJson.context,
      // esbuild is exercised by `npm run synth` and the bundle test; here only the template matters.
      'aws:cdk:bundling-stacks': [],
      // cdk.json's origins are localhost only, for local mode: opted in here, so the deploy guard
      // (its warning and rule) is tested on its own in file-service-stack.test.ts.
      allowLocalhostOnly: 'true',
      ...context,
    },
  });
  const fromContext = stackPropsFromContext(app.node);
  const stack = new FileServiceStack(app, 'SecureFileService', {
    ...fromContext,
    ...props,
    service: { ...fromContext.service, ...props.service },
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

/** The one resource of a type whose logical id starts with `prefix`. */
export function resourceOf(template: Template, type: string, prefix: string): { id: string; properties: Record<string, unknown> } {
  const matches = Object.entries(template.findResources(type)).filter(([id]) => id.startsWith(prefix));
  if (matches.length !== 1) throw new Error(`expected one ${type} starting with ${prefix}, found ${matches.length}`);
  const [[id, resource]] = matches as [[string, { Properties: Record<string, unknown> }]];
  return { id, properties: resource.Properties };
}
