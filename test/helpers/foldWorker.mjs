// The backup worker (src/backup/foldWorker.ts) as the tests run it: the TypeScript loaded
// through tsx, where VS Code runs the same code bundled as dist/backupWorker.js.
import { register } from 'tsx/esm/api';

register();
await import('../../src/backup/foldWorker.ts');
