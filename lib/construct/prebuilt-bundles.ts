/**
 * Where the construct finds its functions' code when it runs from the package
 * (`@secure-file-service/cdk`, built by `npm run build:construct`): the package build bundles
 * every function of the registry into `dist/functions/<id>/`, so that an app using the package
 * needs neither esbuild nor the handlers' TypeScript sources. In this repository the package is
 * not installed, and the construct bundles each `.ts` entry through NodejsFunction instead.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The package's name: code inside a package can always resolve it by name (Node.js self-reference). */
const PACKAGE_NAME = '@secure-file-service/cdk';

/** The folder of bundles in the package, one folder per function id. */
export const PREBUILT_BUNDLES_FOLDER = path.join('dist', 'functions');

/** The file Lambda loads: the handler is its `handler` export (`index.handler`), either way. */
const BUNDLE_ENTRY_FILE = 'index.mjs';

/** The package's root, when the construct runs from it. */
function packageRoot(): string | undefined {
  try {
    return path.dirname(require.resolve(`${PACKAGE_NAME}/package.json`));
  } catch {
    return undefined;
  }
}

/** The folder holding a function's pre-built bundle, if the construct runs from the package. */
export function prebuiltBundle(functionId: string): string | undefined {
  const root = packageRoot();
  if (!root) return undefined;
  const directory = path.join(root, PREBUILT_BUNDLES_FOLDER, functionId);
  if (!fs.existsSync(path.join(directory, BUNDLE_ENTRY_FILE))) {
    throw new Error(`${PACKAGE_NAME} has no bundle for the function ${functionId} in ${directory}: reinstall the package.`);
  }
  return directory;
}
