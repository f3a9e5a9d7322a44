/** The CDK app as `cdk synth` and `cdk deploy` run it (`bin/app.ts`), and as the infra tests synthesize it. */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stackPropsFromContext } from './stack/context';
import { FileServiceStack, type FileServiceStackProps } from './stack/file-service-stack';
import { STACK_NAME } from './stack/stack-name';

/** What `createApp` builds the app from. */
export interface CreateAppOptions {
  /**
   * CDK context on top of what the CDK CLI passes in the environment (cdk.json, `-c name=value`).
   * @default {}
   */
  readonly context?: Record<string, unknown>;
  /**
   * Props only a caller of the construct can give; `service` props are merged with context's.
   * @default {}
   */
  readonly props?: FileServiceStackProps;
  /**
   * Runs cdk-nag's AwsSolutions checks at synth, which fail it on an unacknowledged error.
   * @default true
   */
  readonly nag?: boolean;
  /**
   * Where the cloud assembly goes.
   * @default the CDK CLI's (`CDK_OUTDIR`), or a temporary folder
   */
  readonly outdir?: string;
}

/** The app with its one stack, configured from context, checked by cdk-nag. */
export function createApp(options: CreateAppOptions = {}): { app: App; stack: FileServiceStack } {
  const app = new App({ context: options.context ?? {}, ...(options.outdir && { outdir: options.outdir }) });
  const fromContext = stackPropsFromContext(app.node);
  const props = options.props ?? {};
  const stack = new FileServiceStack(app, STACK_NAME, {
    description: 'Secure file uploads and downloads with presigned URLs',
    ...fromContext,
    ...props,
    service: { ...fromContext.service, ...props.service, settings: { ...fromContext.service?.settings, ...props.service?.settings } },
  });
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
