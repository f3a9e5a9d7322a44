#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stackPropsFromContext } from '../lib/stack/context';
import { FileServiceStack } from '../lib/stack/file-service-stack';
import { STACK_NAME } from '../lib/stack/stack-name';

const app = new App();
new FileServiceStack(app, STACK_NAME, {
  ...stackPropsFromContext(app.node),
  description: 'Secure file uploads and downloads with presigned URLs',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
