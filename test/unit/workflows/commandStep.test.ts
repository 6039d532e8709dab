/**
 * Command steps through WorkflowService on a real store and real processes: refused in
 * an untrusted workspace or without a folder; run only when asked (generate), the output
 * streamed into the step's draft, capped by the runner, stopped by Stop; accepted as the
 * step's value, then used by the next step's prompt.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Notification } from '../../../src/protocol';
import { appStore } from '../../../src/store/appSchema';
import { parseWorkflow, type Workflow } from '../../../src/workflows/definition';
import { WorkflowService } from '../../../src/workflows/workflowService';
import { openForTest, scratchDir } from '../../helpers/store';

const FILE = `{ "title": "Look", "steps": [
  { "id": "ls", "title": "Files", "type": "command", "run": "ls", "timeoutSeconds": 5 },
  { "id": "sum", "title": "Summary", "type": "generate", "prompt": "Files: {{ls}}" }
] }`;

async function setup(t: TestContext, trusted = true) {
  const dir = scratchDir(t);
  const folder = scratchDir(t);
  writeFileSync(join(folder, 'a-file.txt'), 'x');
  const { db } = await openForTest(t, dir);
  const store = appStore(db);
  const profile = store.profiles.insert({ name: 'Work' });
  const parsed = parseWorkflow('look', FILE);
  assert.ok(parsed.ok);
  const workflow: Workflow = parsed.workflow;
  const events: Notification[] = [];
  const notes: string[] = [];
  const prompts: string[] = [];
  const workspace = { isTrusted: trusted, folder: folder as string | undefined };
  const w = new WorkflowService({
    db,
    emit: (n) => events.push(n),
    note: (_p, text) => notes.push(text),
    definition: (name) => (name === 'look' ? workflow : undefined),
    profileName: () => 'Work',
    workspace: { trusted: () => workspace.isTrusted, folder: () => workspace.folder },
    generate: async function* (prompt) {
      prompts.push(prompt);
      yield 'ok';
    },
  });
  const ended = () =>
    new Promise<Extract<Notification, { kind: 'workflow/generated' }>>((resolve) => {
      const seen = events.length;
      const timer = setInterval(() => {
        const n = events.slice(seen).find((e) => e.kind === 'workflow/generated');
        if (n) {
          clearInterval(timer);
          resolve(n as Extract<Notification, { kind: 'workflow/generated' }>);
        }
      }, 10);
    });
  t.after(() => w.dispose());
  return { w, p: profile.id, events, notes, prompts, workspace, folder, ended };
}

test('a command step runs only in a trusted workspace with a folder; the current step says why not', async (t) => {
  const h = await setup(t, false);
  let run = await h.w.start(h.p, 'look', 'k');
  assert.equal(run.steps[0]!.command, 'ls');
  assert.equal(run.steps[0]!.timeoutSeconds, 5);
  assert.match(run.steps[0]!.blocked ?? '', /trusted workspace/);
  await assert.rejects(h.w.generate(h.p, 'look', 'k', 'ls'), /only in a trusted workspace/);
  h.workspace.isTrusted = true;
  h.workspace.folder = undefined;
  run = h.w.open(h.p, 'look', 'k');
  assert.match(run.steps[0]!.blocked ?? '', /open a folder first/);
  await assert.rejects(h.w.generate(h.p, 'look', 'k', 'ls'), /open a folder first/);
  assert.equal(h.events.filter((e) => e.kind === 'workflow/delta').length, 0, 'nothing ran');
});

test('Run streams the output into the draft; Accept keeps it; the next step’s prompt uses it', async (t) => {
  const h = await setup(t);
  await h.w.start(h.p, 'look', 'k');
  assert.equal(h.w.open(h.p, 'look', 'k').steps[0]!.blocked, undefined);
  const done = h.ended();
  await h.w.generate(h.p, 'look', 'k', 'ls');
  const end = await done;
  assert.equal(end.status, 'done');
  assert.equal(end.text, 'a-file.txt\n');
  assert.equal(h.w.open(h.p, 'look', 'k').steps[0]!.value, 'a-file.txt\n');
  await h.w.submit(h.p, 'look', 'k', 'ls', end.text);
  const next = h.ended();
  await h.w.generate(h.p, 'look', 'k', 'sum');
  await next;
  assert.deepEqual(h.prompts, ['Files: a-file.txt\n']);
  assert.match(h.notes[0]!, /step “Files” done/);
});

test('a command may not use step values, and its time limit is checked', () => {
  const r = parseWorkflow('x', '{ "title": "t", "steps": [ { "id": "a", "title": "A", "type": "input" }, { "id": "b", "title": "B", "type": "command", "run": "echo {{a}}", "timeoutSeconds": 0 } ] }');
  assert.equal(r.ok, false);
  assert.deepEqual(!r.ok && r.errors.map((e) => e.message), ['A command cannot use step values ({{…}}): a value must never become shell code.', '"timeoutSeconds" is a whole number from 1 to 600.']);
});
