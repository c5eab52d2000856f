// esbuild settings of the Lambda bundles (used by @nx/esbuild through `esbuildConfig`).
// The goal is a small, fast-loading single file: ESM entry points of dependencies (better tree-shaking) and Zod
// with English messages only (its 40 locales are ~260 KB minified and never used here), and credentials from the
// environment only.
const path = require('node:path');

/** Replaces zod/v4/locales/index with a module that exports only the English locale. */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /locales\/index\.c?js$/ }, (args) => {
      if (!args.importer.includes(`${path.sep}zod${path.sep}`)) return undefined;
      const resolved = path.resolve(args.resolveDir, args.path);
      return { path: resolved, namespace: 'zod-english-only' };
    });
    build.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => {
      const english = path.join(path.dirname(args.path), `en${path.extname(args.path)}`);
      return {
        contents: `export { default as en } from ${JSON.stringify(english)};`,
        resolveDir: path.dirname(args.path),
      };
    });
  },
};

/**
 * In Lambda, credentials always come from the environment (the execution role's session, injected by the runtime),
 * so the default chain (SSO, INI files, STS web identity, IMDS: ~90 KB with their nested clients) is replaced by
 * the environment provider alone. Local runs and tests set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY too.
 */
const credentialsFromEnvOnly = {
  name: 'credentials-from-env-only',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({
      path: 'credential-provider-node',
      namespace: 'credentials-from-env-only',
    }));
    build.onLoad({ filter: /.*/, namespace: 'credentials-from-env-only' }, () => ({
      contents: [
        "import { fromEnv } from '@aws-sdk/credential-provider-env';",
        'export const defaultProvider = (init = {}) => fromEnv(init);',
        'export const credentialsWillNeedRefresh = (c) =>',
        '  c?.expiration !== undefined && c.expiration.getTime() - Date.now() < 300000;',
        'export const credentialsTreatedAsExpired = credentialsWillNeedRefresh;',
      ].join('\n'),
      resolveDir: path.join(__dirname, '../..'),
    }));
  },
};

module.exports = {
  target: 'node24',
  mainFields: ['module', 'main'],
  legalComments: 'none',
  metafile: true,
  outExtension: { '.js': '.js' },
  plugins: [zodEnglishOnly, credentialsFromEnvOnly],
};
