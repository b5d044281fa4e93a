import tseslint from 'typescript-eslint';

const SDK_MESSAGE =
  'SDKs live in one adapter folder each: store/ (@azure/data-tables), queue/ (@azure/storage-queue), graph/ (@microsoft/microsoft-graph-client), auth/ (@azure/identity); functions/ (@azure/functions).';

/** Everything under shared/ may import no SDK except the ones listed (and the SDK-neutral credential type). */
function sdkOnly(...allowed) {
  return {
    'no-restricted-imports': [
      'error',
      {
        patterns: [{ group: ['@azure/*', '@microsoft/*', ...allowed.map((name) => `!${name}`)], message: SDK_MESSAGE }],
      },
    ],
  };
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'outbox/**',
      'report/**',
      '.tools/**',
      '.deploy/**',
      '*.js',
      '*.mjs',
      'simulator/*.js',
      'test/*.js',
      'infra/*.js',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['shared/**/*.ts'], rules: sdkOnly() },
  { files: ['shared/store/**/*.ts'], rules: sdkOnly('@azure/data-tables', '@azure/core-auth') },
  { files: ['shared/queue/**/*.ts'], rules: sdkOnly('@azure/storage-queue', '@azure/core-auth') },
  { files: ['shared/graph/**/*.ts'], rules: sdkOnly('@microsoft/microsoft-graph-client') },
  { files: ['shared/auth/**/*.ts'], rules: sdkOnly('@azure/identity', '@azure/core-auth') },
  {
    // Detection hands jobs over through jobs/; it never reaches into the sending side.
    files: ['shared/detect/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@azure/*', '@microsoft/*'], message: SDK_MESSAGE },
            {
              group: ['../notify/*', '**/notify/*'],
              message: 'detect/ must not import notify/: the job contract is in jobs/.',
            },
          ],
        },
      ],
    },
  },
);
