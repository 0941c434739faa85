// Layering rules the compiler cannot express on its own (ARCHITECTURE.md, dependency rules):
// renderer and shared never reach into electron/, the backend never imports 'electron',
// and shared stays free of Node and React so it runs everywhere.
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

const electronOnly = { name: 'electron', message: 'Only electron/main and electron/preload may import electron.' };
const intoElectron = {
  group: ['**/electron/**', '../electron/*', '../../electron/*'],
  message: 'renderer/ and shared/ may import only shared/ (ARCHITECTURE.md).',
};
const intoRenderer = { group: ['**/renderer/**'], message: 'Nothing imports the renderer.' };
const intoE2e = { group: ['**/e2e/**'], message: 'Nothing imports e2e/.' };

export default tseslint.config(
  {
    ignores: ['node_modules/', 'out/', 'dist/', '.tsbuild/', 'coverage/', 'test-results/', 'playwright-report/', 'e2e/artifacts/'],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.property.name='only'][callee.object.name=/^(it|test|describe)$/]", message: 'No .only in tests.' },
      ],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronOnly, { name: 'react', message: 'shared/ has no React.' }],
          patterns: [intoElectron, intoRenderer, intoE2e, { group: ['node:*', 'fs', 'path', 'os', 'crypto'], message: 'shared/ runs in the browser too: no Node modules.' }],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
      'no-restricted-imports': [
        'error',
        { paths: [electronOnly], patterns: [intoElectron, intoE2e, { group: ['node:*'], message: 'The renderer has no Node.' }] },
      ],
    },
  },
  {
    files: ['electron/backend/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronOnly],
          patterns: [
            intoRenderer,
            intoE2e,
            { group: ['**/electron/main/**', '**/electron/preload/**', '../main/*', '../preload/*', '../../main/*', '../../preload/*'], message: 'The backend is plain Node: it never imports the Electron shell.' },
          ],
        },
      ],
    },
  },
  {
    // A provider never imports another provider, the store, the sync engine or the API (STYLE.md).
    files: ['electron/backend/providers/*/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronOnly],
          patterns: [
            intoRenderer,
            intoE2e,
            { group: ['**/store/**', '**/sync/**', '**/api/**', '**/server/**', '../../store/*', '../../sync/*', '../../api/*'], message: 'A connector never touches the store, the sync engine or the API.' },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [intoRenderer, intoE2e, { group: ['**/backend/**'], message: 'The preload exposes the API client only.' }] }],
    },
  },
);
