/**
 * `{{step_id}}` in a step's default or prompt: an earlier step's value. Filling is plain
 * text substitution, once, left to right: a value that itself holds `{{x}}` is not
 * filled again, so what a user or a model wrote can never pull in another step.
 */
const REF = /\{\{\s*([A-Za-z][A-Za-z0-9_-]*)\s*\}\}/g;

export interface Reference {
  id: string;
  /** Where `{{` starts in the template, and how long the reference is. */
  index: number;
  length: number;
}

export function referencesIn(template: string): Reference[] {
  return [...template.matchAll(REF)].map((m) => ({ id: m[1]!, index: m.index!, length: m[0].length }));
}

/** Most todos one step adds: more is a plan to split, not a list to paste. */
export const MAX_TODOS = 50;

/**
 * The todos a text makes: one per line, list markers ("- ", "* ", "1. ", "[ ] ") dropped,
 * blank lines skipped, each cut to a title's length.
 */
export function todoLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/^\s*(?:[-*+•]\s+|\d+[.)]\s+)?(?:\[[ xX]?\]\s+)?/, '').trim())
    .filter((line) => line !== '')
    .map((line) => line.slice(0, 2000));
}

/** The template with each reference replaced by its value (a missing value: empty). */
export function fillTemplate(template: string, values: Readonly<Record<string, string | undefined>>): string {
  return template.replace(REF, (_, id: string) => values[id] ?? '');
}
