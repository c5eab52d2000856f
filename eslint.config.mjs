// One lint configuration for the whole workspace. The module-boundary rule is the architecture's guard:
// apps may import libraries, libraries never import apps, and browser code never reaches node-only code.
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';

// What code that may run in a browser must not import: Node's own modules, the logger and the CDK (the browser adds
// the AWS SDK to these).
const nodeOnlyImports = ['node:*', 'fs', 'path', 'child_process', 'pino', 'aws-cdk-lib', 'aws-cdk-lib/*'];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/node_modules', '**/cdk.out', '**/coverage', '.nx', '.venv', '**/worker/**'],
  },
  {
    // Type-aware rules: a promise nobody awaits (or one handed to something expecting a plain callback) loses its
    // errors, which in a Lambda or the sidecar means a job that ends with no email.
    files: ['**/src/**/*.ts', '**/tests/**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // The module-boundary rule covers tests too: a test that imports across a boundary is the next import that does.
    files: ['**/src/**/*.ts', '**/src/**/*.js', '**/tests/**/*.ts', '**/tests/**/*.js'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'platform:browser', onlyDependOnLibsWithTags: ['platform:browser', 'platform:any'] },
            { sourceTag: 'platform:node', onlyDependOnLibsWithTags: ['platform:node', 'platform:any'] },
            { sourceTag: 'platform:any', onlyDependOnLibsWithTags: ['platform:any'] },
            { sourceTag: 'platform:browser', bannedExternalImports: [...nodeOnlyImports, '@aws-sdk/*'] },
            { sourceTag: 'platform:any', bannedExternalImports: nodeOnlyImports },
            {
              sourceTag: 'scope:runtime',
              bannedExternalImports: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  prettier,
];
