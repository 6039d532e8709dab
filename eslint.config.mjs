// `npm run lint`: typescript-eslint's recommended rules over the sources, tests, benches
// and scripts; `npm test` runs it as its own suite.
//
// Not type-aware: recommendedTypeChecked took about 30 s on a 2-core machine (against
// about 6 s) and flagged some 500 lines, nearly all node:test's `test()` promises left
// unawaited and assertions the compiler already knows to be redundant. `tsc --noEmit`
// (the typecheck suite) covers the types.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.vscode-test/**', 'out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // `ok ? resolve() : keep.push(w)` is a statement we write on purpose.
      '@typescript-eslint/no-unused-expressions': ['error', { allowTernary: true, allowShortCircuit: true }],
      // A `let` declared before a closure that reads it and assigned once after (the
      // composition root wires services that refer to each other) cannot be a const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Test doubles and benches patch and inspect objects whose types are not the point.
    files: ['test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The build, test and start scripts run under Node.
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: globals.node },
  },
);
