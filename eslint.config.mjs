// ESLint flat config: recommended rules for JS and TypeScript, plus the few that guard this
// codebase's real hazards — un-awaited promises (type-aware) and Node/barrel imports in workflow
// code, which runs in Temporal's deterministic sandbox. Formatting is Prettier's job, not ESLint's.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [
  'assert',
  'buffer',
  'child_process',
  'crypto',
  'dns',
  'events',
  'fs',
  'http',
  'http2',
  'https',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'stream',
  'timers',
  'tls',
  'url',
  'util',
  'worker_threads',
  'zlib',
];

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'bench/results/', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // `_`-prefixed names are deliberately unused (destructuring a field away, fixed signatures).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests assert on raw JSON answers (the simulator's envelopes, parsed YAML) whose shape is the
    // thing under test; typing each one would only restate the assertion.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Workflow code is bundled into Temporal's sandbox: no Node built-ins, and no barrels from src/
    // (they drag I/O modules in). Import the pure module itself, e.g. '../src/rivya/models'.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: NODE_BUILTINS.map((name) => ({ name, message: 'Workflow code runs in the Temporal sandbox: no Node built-ins.' })),
          patterns: [
            {
              group: ['node:*', ...NODE_BUILTINS.map((name) => `${name}/*`)],
              message: 'Workflow code runs in the Temporal sandbox: no Node built-ins.',
            },
            {
              regex: '^(\\.\\./)+(src(/(rivya|temporal-cli|index|workflow|simulator))?|activities)(/index)?$',
              message: "Barrels pull I/O into the workflow bundle: import the pure module by path (e.g. '../src/rivya/models').",
            },
          ],
        },
      ],
    },
  },
);
