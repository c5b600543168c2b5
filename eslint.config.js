// Lint rules. The workflow block enforces determinism: workflow code may not import Node
// built-ins, I/O clients or activity implementations (only their types).
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

const nodeBuiltins = require('node:module').builtinModules.flatMap((m) => [m, `node:${m}`]);
const ioClients = [
  'pg',
  'ioredis',
  'kafkajs',
  'fastify',
  'prom-client',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
];

module.exports = tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.rebound/', 'coverage/', 'eslint.config.js', 'jest.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: __dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports' },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    ignores: ['workflows/**/__tests__/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...nodeBuiltins, ...ioClients].map((name) => ({
            name,
            message: 'Workflow code must be deterministic: no Node built-ins or I/O clients.',
          })),
          patterns: [
            {
              group: ['**/activities', '**/activities/**'],
              allowTypeImports: true,
              message: 'Workflows import activities as types only (import type).',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'setInterval', message: 'Use sleep()/condition() from @temporalio/workflow.' },
        { name: 'process', message: 'Workflows cannot read the environment.' },
      ],
    },
  },
  {
    files: ['test/**/*.ts', '**/__tests__/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/unbound-method': 'off',
      // Temporal's client returns `any` for workflows started by name; tests assert on them.
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['scripts/stack/*.js'],
    languageOptions: { globals: { require: 'readonly', process: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
