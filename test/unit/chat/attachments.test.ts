/**
 * What the user attaches to a message, through the real chat service, a real store and
 * the fake Ollama server: sent as fenced blocks with their paths, only what is attached
 * (a removed one is not), kept with the message across a reopen, a file too large refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChatService } from '../../../src/chat/chatService';
import { fenced, type Attachment } from '../../../src/chat/attachments';
import { appStore } from '../../../src/store/appSchema';
import { openForTest } from '../../helpers/store';
import { setup, tokens } from './harness';

const T = { timeout: 20_000 };
const selection: Attachment = { folder: 'app', path: 'src/parse.ts', start: 2, end: 3, language: 'typescript', text: 'return lex(input);\n}' };
const file: Attachment = { folder: 'app', path: 'README.md', language: 'markdown', text: '# Parse\nUse ```parse()```.\n' };
const secret: Attachment = { folder: 'app', path: 'secrets.env', language: 'dotenv', text: 'TOKEN=do-not-send' };

test('attachments go to the model as fenced blocks with their paths; a removed one is not sent', T, async (t) => {
  const h = await setup(t);
  h.fake.scriptChat({ tokens: tokens(3) });
  h.chat.attachments.add(h.profile.id, selection);
  h.chat.attachments.add(h.profile.id, secret);
  h.chat.attachments.add(h.profile.id, file);
  assert.deepEqual(h.chat.snapshot(h.profile).attachments!.map((a) => a.path), ['src/parse.ts', 'secrets.env', 'README.md']);
  h.chat.attachments.remove(h.profile.id, 1); // the chip's ×
  assert.deepEqual(h.events.of('chat/attachments').at(-1)!.attachments.map((a) => a.path), ['src/parse.ts', 'README.md']);

  const user = await h.chat.send(h.profile.id, 'Why does this fail?');
  assert.deepEqual(user.attachments, [
    { folder: 'app', path: 'src/parse.ts', start: 2, end: 3, language: 'typescript' },
    { folder: 'app', path: 'README.md', language: 'markdown' },
  ]);
  assert.equal(h.events.of('chat/attachments').at(-1)!.attachments.length, 0, 'the chips are gone once sent');
  await h.events.finished();
  const sent = (await h.fake.chatAt(0)).body.messages.at(-1) as { role: string; content: string };
  assert.equal(sent.role, 'user');
  assert.equal(
    sent.content,
    'Why does this fail?\n\nsrc/parse.ts (lines 3-4):\n```typescript\nreturn lex(input);\n}\n```\n\nREADME.md:\n````markdown\n# Parse\nUse ```parse()```.\n````',
  );
  assert.doesNotMatch(JSON.stringify((await h.fake.chatAt(0)).body), /do-not-send|secrets\.env/);

  // The next message carries nothing: attachments go with one message only.
  h.fake.scriptChat({ tokens: tokens(2) });
  await h.chat.send(h.profile.id, 'And now?');
  await h.events.finished((m) => m.id > user.id + 1);
  const second = (await h.fake.chatAt(1)).body.messages.at(-1) as { content: string };
  assert.equal(second.content, 'And now?');

  // Kept with the message: a reopened store shows its chips (and the model reads them again).
  h.db.closeSync();
  const { db } = await openForTest(t, h.dir);
  const again = new ChatService({ store: appStore(db), emit: () => {}, settings: () => h.settings, log: () => {}, describeWork: () => '' });
  t.after(() => again.dispose());
  const shown = again.snapshot(h.profile).messages.find((m) => m.id === user.id)!;
  assert.equal(shown.attachments!.length, 2);
  assert.equal(again.attachment(h.profile.id, user.id, 1)!.path, 'README.md');
});

test('a file too large for the context is refused when attached, before anything is sent', T, async (t) => {
  const h = await setup(t, { settings: { numCtx: 2048 } });
  const big: Attachment = { folder: 'app', path: 'data/huge.json', language: 'json', text: 'x'.repeat(40_000) };
  assert.throws(() => h.chat.attachments.add(h.profile.id, big), /data\/huge\.json is too large for the model's context: about 10000 tokens/);
  assert.equal(h.chat.attachments.list(h.profile.id).length, 0);
  assert.equal(h.fake.requests.filter((r) => r.path === '/api/chat').length, 0);
});

test('fenced: a longer fence than any run of backticks in the text; a line or a file named', () => {
  assert.equal(fenced({ ...selection, start: 4, end: 4, text: 'x' }), 'src/parse.ts (line 5):\n```typescript\nx\n```');
  assert.match(fenced({ ...file, text: 'a ````` b' }), /^README\.md:\n``````markdown\n/);
});
