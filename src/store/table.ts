/**
 * The MiniDataAPI table (fastlite's), over a Database. Every value is a bound
 * parameter; every identifier comes from the declared schema.
 *
 * `xtra(fields)` returns a scoped view and leaves this table as it was (fastlite
 * mutates the shared table object). In a view, reads, updates and deletes see only
 * rows that match the scope, inserts are stamped with it, and an update cannot move a
 * row out of it.
 */
import type { Database, SqlRow } from './database';
import { NotFoundError, SchemaError } from './errors';
import { fromSql, quoteId, toSql, type Insert, type Key, type Row, type SqlValue, type TableSpec } from './schema';

export interface Query<T extends TableSpec, K extends keyof Row<T> = keyof Row<T>> {
  /** Equalities on columns (checked against the schema), or an SQL condition with `?` placeholders. */
  where?: Partial<Row<T>> | string;
  args?: readonly SqlValue[];
  /** Column names, each optionally followed by ASC or DESC, comma-separated. */
  orderBy?: string;
  limit?: number;
  offset?: number;
  /** Only these columns (fastlite's `select`); the rows hold just them. */
  select?: readonly K[];
}

/** Every option rows() takes: any other is a typo that would otherwise be ignored silently. */
const QUERY_OPTIONS: ReadonlySet<string> = new Set(['where', 'args', 'orderBy', 'limit', 'offset', 'select'] satisfies (keyof Query<TableSpec>)[]);

/** What insert takes: the scope's fields may be left out, since the view stamps them. */
export type ScopedInsert<T extends TableSpec, S extends PropertyKey> = Omit<Insert<T>, S> & Partial<Row<T>>;

export class Table<T extends TableSpec, S extends keyof Row<T> = never> {
  private readonly q: string;

  constructor(
    readonly db: Database,
    readonly spec: T,
    readonly scope: Readonly<Partial<Row<T>>> = {} as Partial<Row<T>>,
  ) {
    this.q = quoteId(spec.name);
    // A scope is stamped on inserts: a value that does not fit is refused here, not at the first write.
    for (const c of this.checkColumns(Object.keys(scope))) this.bind(c, (scope as Record<string, unknown>)[c]);
  }

  /** A view of this table limited to rows matching `fields`. */
  xtra<K extends keyof Row<T>>(fields: Pick<Row<T>, K>): Table<T, S | K> {
    return new Table<T, S | K>(this.db, this.spec, { ...this.scope, ...fields });
  }

  insert(record: ScopedInsert<T, S>): Row<T> {
    const values = { ...(record as Record<string, unknown>), ...this.scope };
    const cols = this.checkColumns(Object.keys(values).filter((c) => values[c] !== undefined));
    const sql = cols.length
      ? `INSERT INTO ${this.q} (${cols.map(quoteId).join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) RETURNING *`
      : `INSERT INTO ${this.q} DEFAULT VALUES RETURNING *`;
    return this.fromRow(this.db.write(sql, cols.map((c) => this.bind(c, values[c])))[0]!);
  }

  /** Inserts, or replaces the row with the same key. A row with that key outside the scope is not touched. */
  upsert(record: ScopedInsert<T, S>): Row<T> {
    const values = { ...(record as Record<string, unknown>), ...this.scope };
    const cols = this.checkColumns(Object.keys(values).filter((c) => values[c] !== undefined));
    const pk = this.spec.pk as readonly string[];
    const set = cols.filter((c) => !pk.includes(c));
    const { sql: scopeSql, args: scopeArgs } = this.scopeWhere(this.q);
    const onConflict = set.length
      ? `DO UPDATE SET ${set.map((c) => `${quoteId(c)} = excluded.${quoteId(c)}`).join(', ')}${scopeSql ? ` WHERE ${scopeSql}` : ''}`
      : 'DO NOTHING';
    const sql =
      `INSERT INTO ${this.q} (${cols.map(quoteId).join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ` +
      `ON CONFLICT (${pk.map(quoteId).join(', ')}) ${onConflict} RETURNING *`;
    const row = this.db.write(sql, [...cols.map((c) => this.bind(c, values[c])), ...scopeArgs])[0];
    if (row) return this.fromRow(row);
    return this.get(pk.map((c) => values[c] as SqlValue)); // unchanged (DO NOTHING), or NotFound outside the scope
  }

  /** Updates the row with the record's key; the scope's fields cannot be changed through a view. */
  update(record: Partial<Row<T>>): Row<T> {
    const values = record as Record<string, unknown>;
    const pk = this.spec.pk as readonly string[];
    const key = pk.map((c) => {
      if (values[c] === undefined) throw new SchemaError(`update on "${this.spec.name}" needs the key column "${c}"`);
      return values[c] as SqlValue;
    });
    const set = this.checkColumns(Object.keys(values).filter((c) => !pk.includes(c) && values[c] !== undefined && !(c in this.scope)));
    if (set.length === 0) return this.get(key);
    const { sql: where, args } = this.keyWhere(key);
    const sql = `UPDATE ${this.q} SET ${set.map((c) => `${quoteId(c)} = ?`).join(', ')} WHERE ${where} RETURNING *`;
    const row = this.db.write(sql, [...set.map((c) => this.bind(c, values[c])), ...args])[0];
    if (!row) throw new NotFoundError(this.spec.name, unwrapKey(key));
    return this.fromRow(row);
  }

  delete(key: Key): void {
    const { sql: where, args } = this.keyWhere(key);
    const deleted = this.db.write(`DELETE FROM ${this.q} WHERE ${where} RETURNING 1`, args);
    if (deleted.length === 0) throw new NotFoundError(this.spec.name, key);
  }

  /** Deletes every row matching `where` within the scope; returns how many. */
  deleteWhere(where: Partial<Row<T>> | string, args: readonly SqlValue[] = []): number {
    const w = this.where(where, args);
    return this.db.write(`DELETE FROM ${this.q}${w.sql} RETURNING 1`, w.args).length;
  }

  get(key: Key): Row<T> {
    const { sql: where, args } = this.keyWhere(key);
    const row = this.db.all(`SELECT * FROM ${this.q} WHERE ${where}`, args)[0];
    if (!row) throw new NotFoundError(this.spec.name, key);
    return this.fromRow(row);
  }

  has(key: Key): boolean {
    const { sql: where, args } = this.keyWhere(key);
    return this.db.all(`SELECT 1 FROM ${this.q} WHERE ${where}`, args).length > 0;
  }

  /** fastlite's `t(where, where_args, order_by, limit, offset)`. */
  rows<K extends keyof Row<T> = keyof Row<T>>(query: Query<T, K> = {}): Pick<Row<T>, K>[] {
    const { sql, args, columns } = this.select(query);
    return this.db.all(sql, args).map((r) => this.fromRow(r, columns) as Pick<Row<T>, K>);
  }

  /**
   * rows(), read one row at a time (fastlite's `t.rows` generator): a reader that stops
   * early reads no further. Consume it at once: see Database.each.
   */
  *each<K extends keyof Row<T> = keyof Row<T>>(query: Query<T, K> = {}): Generator<Pick<Row<T>, K>> {
    const { sql, args, columns } = this.select(query);
    for (const r of this.db.each(sql, args)) yield this.fromRow(r, columns) as Pick<Row<T>, K>;
  }

  count(where?: Partial<Row<T>> | string, args: readonly SqlValue[] = []): number {
    const w = this.where(where, args);
    return Number(this.db.all(`SELECT count(*) AS n FROM ${this.q}${w.sql}`, w.args)[0]!.n);
  }

  // ---- helpers ----

  private select(query: Query<T, keyof Row<T>>): { sql: string; args: SqlValue[]; columns: string[] } {
    for (const option of Object.keys(query)) {
      if (!QUERY_OPTIONS.has(option)) throw new SchemaError(`rows() has no option "${option}"; it takes ${[...QUERY_OPTIONS].join(', ')}.`);
    }
    const columns = query.select ? this.checkColumns(query.select.map(String)) : Object.keys(this.spec.columns);
    if (columns.length === 0) throw new SchemaError(`rows() on "${this.spec.name}" needs at least one column in select`);
    const w = this.where(query.where, query.args ?? []);
    let sql = `SELECT ${query.select ? columns.map(quoteId).join(', ') : '*'} FROM ${this.q}${w.sql}`;
    const args = [...w.args];
    if (query.orderBy) sql += ` ORDER BY ${this.orderBy(query.orderBy)}`;
    if (query.limit !== undefined || query.offset !== undefined) {
      sql += ' LIMIT ? OFFSET ?';
      args.push(query.limit ?? -1, query.offset ?? 0);
    }
    return { sql, args, columns };
  }

  private checkColumns(cols: string[]): string[] {
    for (const c of cols) {
      if (!Object.hasOwn(this.spec.columns, c)) throw new SchemaError(`"${this.spec.name}" has no column "${c}"`);
    }
    return cols;
  }

  private bind(column: string, value: unknown): SqlValue {
    return toSql(`${this.spec.name}.${column}`, this.spec.columns[column]!, value);
  }

  private fromRow(row: SqlRow, columns = Object.keys(this.spec.columns)): Row<T> {
    const out: Record<string, unknown> = {};
    for (const name of columns) out[name] = fromSql(this.spec.columns[name]!, row[name]);
    return out as Row<T>;
  }

  private scopeWhere(qualifier?: string): { sql: string; args: SqlValue[] } {
    const cols = Object.keys(this.scope);
    const prefix = qualifier ? `${qualifier}.` : '';
    return {
      sql: cols.map((c) => `${prefix}${quoteId(c)} IS ?`).join(' AND '),
      args: cols.map((c) => this.bind(c, (this.scope as Record<string, unknown>)[c])),
    };
  }

  private keyWhere(key: Key): { sql: string; args: SqlValue[] } {
    const pk = this.spec.pk as readonly string[];
    const values = (pk.length === 1 ? [Array.isArray(key) ? key[0] : key] : key) as SqlValue[];
    if (!Array.isArray(values) || values.length !== pk.length) {
      throw new SchemaError(`"${this.spec.name}" is keyed by (${pk.join(', ')})`);
    }
    const scope = this.scopeWhere();
    return {
      sql: [pk.map((c) => `${quoteId(c)} = ?`).join(' AND '), scope.sql].filter(Boolean).join(' AND '),
      args: [...values, ...scope.args],
    };
  }

  private where(where: Partial<Row<T>> | string | undefined, args: readonly SqlValue[]): { sql: string; args: SqlValue[] } {
    const parts: string[] = [];
    const all: SqlValue[] = [];
    if (typeof where === 'string') {
      parts.push(`(${where})`);
      all.push(...args);
    } else if (where) {
      const cols = this.checkColumns(Object.keys(where));
      parts.push(...cols.map((c) => `${quoteId(c)} IS ?`));
      all.push(...cols.map((c) => this.bind(c, (where as Record<string, unknown>)[c])));
    }
    const scope = this.scopeWhere();
    if (scope.sql) parts.push(scope.sql);
    all.push(...scope.args);
    return { sql: parts.length ? ` WHERE ${parts.join(' AND ')}` : '', args: all };
  }

  private orderBy(spec: string): string {
    return spec
      .split(',')
      .map((part) => {
        const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s+(ASC|DESC))?\s*$/i.exec(part);
        if (!m) throw new SchemaError(`Bad order: "${part.trim()}"`);
        this.checkColumns([m[1]!]);
        return `${quoteId(m[1]!)}${m[2] ? ` ${m[2].toUpperCase()}` : ''}`;
      })
      .join(', ');
  }
}

function unwrapKey(key: SqlValue[]): Key {
  return key.length === 1 ? key[0]! : key;
}
