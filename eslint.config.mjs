// Type-aware lint, plus the layers of docs/architecture.md as rules:
// `core` imports nothing of ours but itself and no Azure/Microsoft SDK; dependencies point inward;
// botbuilder stays inside `bot/` and the bot-hosting function.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const folders = (...names) => names.flatMap((n) => [`**/${n}/**`, `../${n}`, `../../${n}`]);
const banned = (groups, message) => ({ group: groups, message });
const botbuilder = banned(
  ['botbuilder', 'botbuilder-*', 'botframework-*'],
  'botbuilder stays inside bot/ (docs/architecture.md, "Layers").',
);

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.local/**',
      'coverage/**',
      'devTools/**',
      '*.config.js',
      '*.config.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "ThrowStatement > NewExpression[callee.name='Error']",
          message: 'Throw a coded error from core/errors.ts (docs/architecture.md, "Errors and logs").',
        },
      ],
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            banned(
              folders('adapters', 'functions', 'bot', 'cards', 'local', 'cli', 'test'),
              'core imports nothing outside core.',
            ),
            banned(
              ['@azure/*', '@microsoft/*', 'pino', 'botbuilder', 'botbuilder-*'],
              'core talks to the world through its ports.',
            ),
          ],
        },
      ],
    },
  },
  {
    files: ['adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            banned(folders('functions', 'bot', 'cards', 'local', 'cli'), 'adapters depend on core only.'),
            botbuilder,
          ],
        },
      ],
    },
  },
  {
    files: ['cards/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            banned(folders('functions', 'bot', 'adapters', 'local', 'cli'), 'cards depend on core only.'),
            botbuilder,
          ],
        },
      ],
    },
  },
  {
    files: ['bot/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            banned(folders('functions', 'adapters', 'local', 'cli'), 'bot depends on cards and core.'),
          ],
        },
      ],
    },
  },
  {
    files: ['functions/**/*.ts', 'cli/**/*.ts'],
    ignores: ['functions/bot-messages.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            banned(folders('local'), 'the deployed app never imports the local runtime.'),
            botbuilder,
          ],
        },
      ],
    },
  },
  {
    files: ['local/**/*.ts', 'test/**/*.ts'],
    ignores: ['test/**/bot/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [botbuilder] }] },
  },
  {
    // Tests edit YAML as loose data and fail with plain errors; production code may do neither.
    files: ['test/**/*.ts'],
    ignores: ['test/support/**', 'test/bench/**'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-restricted-syntax': 'off',
    },
  },
  { files: ['bin/**/*.js', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['bin/**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', process: 'readonly', module: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
