/** Pipulate's DictLikeDB: app state (active profile, chosen model, UI choices) as JSON values by key. */
import { defineTable } from './schema';
import type { Table } from './table';

export const kvTable = defineTable({
  name: 'kv',
  columns: {
    key: { type: 'text' },
    value: { type: 'json', nullable: true },
  },
  pk: ['key'],
});

export class KeyValue {
  constructor(private readonly table: Table<typeof kvTable>) {}

  get<T>(key: string): T | undefined {
    return this.table.has(key) ? (this.table.get(key).value as T) : undefined;
  }

  set(key: string, value: unknown): void {
    this.table.upsert({ key, value });
  }

  delete(key: string): boolean {
    if (!this.table.has(key)) return false;
    this.table.delete(key);
    return true;
  }

  clear(): void {
    this.table.deleteWhere('1');
  }

  keys(): string[] {
    return this.table.rows({ orderBy: 'key' }).map((r) => r.key);
  }
}
