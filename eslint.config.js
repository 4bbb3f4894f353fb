import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Type-aware linting: every TypeScript file is checked with the types of its own tsconfig (tsconfig.json for
// src/, test/, bench/; web/tsconfig.json for the dashboard and its tests in test/web/). Plain JavaScript files
// (this one, bin/, .dependency-cruiser.js) are linted without types.
export default tseslint.config(
  { ignores: ['dist/**', 'data/**', 'node_modules/**', 'scratch/**', 'test-output/**', 'web/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.json', './web/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      // Promises: none dropped by mistake, none passed where a callback's result is ignored, none awaited
      // that is not one.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // (require-await stays off: its findings here are async methods that implement a promise-returning
      // interface, Fastify's async hooks and async generators, all written that way on purpose.)
      // A switch over a union handles every member (or says `default:` on purpose); one over a plain
      // string or number has a default.
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: true },
      ],
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
