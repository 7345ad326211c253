import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const forbiddenInWorkflows = [
  { group: ['node:*', ...builtinModules, ...builtinModules.map((name) => `${name}/*`)], message: 'Workflows are deterministic: no Node built-ins.' },
  { group: ['knex', 'mysql2', 'better-sqlite3', 'nodemailer', 'pdfkit', 'csv-stringify', 'mjml'], message: 'Workflows never touch I/O libraries; call an activity.' },
  { group: ['**/src/config', '**/src/db/**', '**/src/mail/**', '**/src/reports/**'], message: 'Workflows import only the shared contract.' },
];

/** src/api (Express, HTTP statuses) sits on top: nothing below it may import it, so services stay free of HTTP. */
const apiLayer = {
  regex: '^(\\.{1,2}/)+(src/)?api(/|$)',
  message: 'Only src/api imports src/api: throw the domain errors of src/errors.ts, take AuthContext from src/auth/auth-context.ts.',
};
forbiddenInWorkflows.push(apiLayer);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', '.data/**', 'coverage/**', '*.config.js', '*.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // the layers: services, jobs, workers, activities and benchmarks never reach up into the HTTP layer
    files: ['src/**/*.ts', 'workers/**/*.ts', 'activities/**/*.ts', 'bench/**/*.ts'],
    ignores: ['src/api/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [apiLayer] }],
    },
  },
  {
    // workflows/ and the workflow file of every job type folder (src/jobs/types/<job>/workflow.ts, test fixtures alike)
    files: ['workflows/**/*.ts', 'src/jobs/types/*/workflow.ts', 'test/fixtures/jobs/*/workflow.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: forbiddenInWorkflows }],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'Workflows never read process.env: pass settings in the input or from an activity.' },
        { name: 'Buffer', message: 'No Node built-ins in workflows.' },
        { name: 'require', message: 'No Node built-ins in workflows.' },
      ],
      // activities run in the worker, not in the workflow sandbox: workflows may import their types only
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/activities', '**/activities/**'],
              message: 'Import activity types only: import type { Activities } from "../activities".',
              allowTypeImports: true,
            },
            {
              // the registry and the definitions pull in every activity (knex, nodemailer): types only
              group: ['**/jobs/registry', '**/jobs/job-definition', '**/definition'],
              message: 'Import only types from the job registry and definitions: import type { … } from "…/definition".',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    // the pages' ES modules run in the browser as written: browser globals, no type-aware TypeScript rules (tsc checks them through tsconfig.public.json)
    files: ['src/api/public/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { sourceType: 'module', globals: globals.browser, parserOptions: { projectService: false, project: null } },
  },
);
