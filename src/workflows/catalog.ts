/**
 * The workflows there are: the built-in ones, and the files of .pipulate/workflows/,
 * each parsed once when it is read or changes (a file takes the place of a built-in of
 * the same name). A file with errors is listed with them and offers no workflow; the
 * others are not affected. Free of `vscode`: the extension feeds it the files.
 */
import { BUILTIN_WORKFLOWS } from './builtins';
import { parseWorkflow, type DefinitionError, type Workflow } from './definition';

export interface CatalogEntry {
  name: string;
  /** Where it comes from: a file (its URI or path, as the feeder gave it) or built in. */
  source: string | 'builtin';
  workflow?: Workflow;
  errors: DefinitionError[];
}

export class WorkflowCatalog {
  private readonly files = new Map<string, CatalogEntry>();
  private readonly builtins = new Map<string, CatalogEntry>();
  private readonly listeners = new Set<(name: string) => void>();

  constructor() {
    for (const b of BUILTIN_WORKFLOWS) {
      if (b.templateOnly) continue;
      const parsed = parseWorkflow(b.name, b.text);
      // A built-in that does not parse is a bug: the unit tests parse each one.
      if (parsed.ok) this.builtins.set(b.name, { name: b.name, source: 'builtin', workflow: parsed.workflow, errors: [] });
    }
  }

  /** A file was read or changed. Answers its errors (none: it is a workflow now). */
  setFile(name: string, source: string, text: string): DefinitionError[] {
    const parsed = parseWorkflow(name, text);
    this.files.set(name, parsed.ok ? { name, source, workflow: parsed.workflow, errors: [] } : { name, source, errors: parsed.errors });
    this.changed(name);
    return parsed.ok ? [] : parsed.errors;
  }

  removeFile(name: string): void {
    if (this.files.delete(name)) this.changed(name);
  }

  /** The workflow by name, when it is there and valid. */
  get(name: string): Workflow | undefined {
    return (this.files.get(name) ?? this.builtins.get(name))?.workflow;
  }

  /** Every entry, files first place for their name, by name. */
  list(): CatalogEntry[] {
    const all = new Map(this.builtins);
    for (const [name, entry] of this.files) all.set(name, entry);
    return [...all.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** `name`: the workflow whose definition changed (a file read, changed or gone). */
  onChange(listener: (name: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(name: string): void {
    for (const l of this.listeners) l(name);
  }
}
