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
    // The arrows of the layout (docs/ARCHITECTURE.md): the library (src/) and the activities never
    // import the tools (the CLI, cluster, Temporal CLI download, test servers) or the simulator.
    files: ['src/**/*.ts', 'activities/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+(tools|simulator)(/|$)',
              message: 'The library never imports tools/ or simulator/: they depend on it, not the other way round.',
            },
          ],
        },
      ],
    },
  },
  {
    // The simulator is a fake Rivya built on the contract; it never depends on the tools.
    files: ['simulator/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(\\.\\./)+tools(/|$)', message: 'The simulator never imports tools/.' }] },
      ],
    },
  },
  {
    // Workflow code is bundled into Temporal's sandbox: no Node built-ins, and of the library only the
    // pure contract (src/contract/): everything else there does I/O. Never activities, tools or the simulator.
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
              regex: '^(\\.\\./)+(src(?!/contract/)|activities|tools|simulator)(/|$)',
              message: "Workflow code imports only workflow-safe code and the pure contract (e.g. '../../src/contract/models').",
            },
          ],
        },
      ],
    },
  },
);
