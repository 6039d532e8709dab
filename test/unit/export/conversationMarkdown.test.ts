/** A conversation as Markdown: who wrote what and when, notes quoted, tool calls and their results marked, nothing able to break out of its block. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conversationMarkdown } from '../../../src/export/conversationMarkdown';
import { appStore } from '../../../src/store/appSchema';
import type { ToolCard } from '../../../src/protocol';
import { openForTest, scratchDir } from '../../helpers/store';

test('the conversation reads in order, each part marked for what it is', async (t) => {
  const { db } = await openForTest(t, scratchDir(t));
  const { messages } = appStore(db);
  const m = (role: string, content: string, extra = {}) => messages.insert({ profile_id: 1, role, content, created: 60_000 * messages.count(), ...extra });
  m('user', 'Add a todo to call the bank');
  m('assistant', 'Adding it.', { model: 'llama3.2', data: { calls: [{ name: 'add_todo', arguments: { title: 'Call the bank ```' } }] } });
  const card: ToolCard = { state: 'done', undoable: true, items: [{ index: 0, tool: 'add_todo', text: 'Add todo “Call the bank”', state: 'applied', result: 'Added todo 7.' }] };
  m('tool', 'Added 1 todo', { data: { card } });
  m('note', 'The user checked off “Call the bank”.');
  m('assistant', 'Half an ans', { status: 'stopped', model: 'llama3.2' });
  const md = conversationMarkdown('Work *stuff*', messages.rows({ orderBy: 'id' }), (ms) => `t+${ms / 60_000}`, 0);
  assert.equal(
    md,
    [
      '# Conversation in “Work \\*stuff\\*”',
      '',
      '_Exported from Pipulate on t+0; 5 messages._',
      '',
      '## You · t+0',
      '',
      'Add a todo to call the bank',
      '',
      '## Assistant (llama3.2) · t+1',
      '',
      'Adding it.',
      '',
      '**Tool calls:**',
      '',
      '- `add_todo`',
      '',
      '  ````json',
      '  {',
      '    "title": "Call the bank ```"',
      '  }',
      '  ````',
      '',
      '### Tool results · t+2',
      '',
      '- **Add todo “Call the bank”** (`add_todo`): applied',
      '',
      '  ```',
      '  Added todo 7.',
      '  ```',
      '',
      '> **Note** · t+3: The user checked off “Call the bank”.',
      '',
      '## Assistant (llama3.2) · t+4 (stopped)',
      '',
      'Half an ans',
      '',
    ].join('\n'),
  );
});
