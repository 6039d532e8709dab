/**
 * Pipulate's `pipeline` table: one row per workflow run, its state one JSON record
 * (src/workflows/workflowService.ts reads and writes it). Declared here, apart from the
 * service, because the store's schema (src/store/appSchema.ts) makes it and migrates it
 * like the other tables.
 */
import { defineTable, type Row } from '../store/schema';

export const pipelineTable = defineTable({
  name: 'pipeline',
  columns: {
    profile_id: { type: 'integer' },
    workflow: { type: 'text' },
    key: { type: 'text' },
    /** The run's state as JSON (workflowService.ts's RunState). */
    state: { type: 'json' },
    created: { type: 'integer' },
    updated: { type: 'integer' },
    finalized: { type: 'boolean', default: false },
  },
  pk: ['profile_id', 'workflow', 'key'],
  indexes: [['profile_id', 'workflow', 'updated']],
});

export type PipelineRow = Row<typeof pipelineTable>;
