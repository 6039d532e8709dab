/**
 * "Pipulate: Export Conversation as Markdown": a profile's conversation as one Markdown
 * document, to save or share. Each message is a section headed by who wrote it and when;
 * notes (what the user did, as the model was told) are quoted; the model's tool calls and
 * the results of each are marked as such, so a reader never takes them for prose.
 * Messages an edit or a regenerate replaced are in it too, marked so: the export is
 * where the user reads them again.
 */
import * as l10n from '@vscode/l10n';
import { cardOf } from '../chat/cards';
import type { Message } from '../store/appSchema';

interface Calls {
  calls?: { name: string; arguments?: unknown }[];
  raw?: string[];
}

/** A fence longer than any run of backticks in `text`, so the text cannot close it. */
function fence(text: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  return '`'.repeat(longest + 1);
}

function codeBlock(text: string, lang = ''): string {
  const f = fence(text);
  return `${f}${lang}\n${text}\n${f}`;
}

/** Text on one line, safe inside an emphasis or a list item. */
function inline(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/([\\`*_[\]<>])/g, '\\$1');
}

export function conversationMarkdown(profileName: string, rows: readonly Message[], formatTime: (ms: number) => string, exportedAt: number): string {
  const out: string[] = [`# ${inline(l10n.t('Conversation in “{0}”', profileName))}`, '', `_${inline(l10n.t('Exported from Pipulate on {0}; {1} messages.', formatTime(exportedAt), rows.length))}_`];
  for (const row of rows) {
    const when = formatTime(row.created);
    // Replaced by an edit or a regenerate: no longer in the view, kept (and exported) until a clear.
    const replaced = row.replaced ? ` ${l10n.t('(replaced)')}` : '';
    const status = (row.status === 'stopped' ? ` ${l10n.t('(stopped)')}` : row.status === 'error' ? ` ${l10n.t('(failed)')}` : '') + replaced;
    if (row.role === 'note') {
      out.push('', `> **${l10n.t('Note')}** · ${when}: ${inline(row.content)}`);
      continue;
    }
    const card = cardOf(row);
    if (row.role === 'tool') {
      out.push('', `### ${l10n.t('Tool results')} · ${when}${replaced}`, '');
      for (const item of card?.items ?? []) {
        out.push(`- **${inline(item.text)}** (\`${item.tool.replace(/`/g, '')}\`): ${item.state}`);
        if (item.result) out.push('', codeBlock(item.result).replace(/^/gm, '  '), '');
      }
      if (!card?.items.length) out.push(inline(row.content));
      continue;
    }
    const who =
      row.role === 'user'
        ? l10n.t('You')
        : row.role === 'assistant'
          ? row.model
            ? l10n.t('Assistant ({0})', row.model)
            : l10n.t('Assistant')
          : l10n.t('System');
    out.push('', `## ${inline(who)} · ${when}${status}`, '', row.content.trim());
    const calls = row.role === 'assistant' ? (row.data as Calls | null) : null;
    if (calls?.calls?.length) {
      out.push('', `**${l10n.t('Tool calls')}:**`, '');
      for (const call of calls.calls) out.push(`- \`${call.name.replace(/`/g, '')}\``, '', codeBlock(JSON.stringify(call.arguments ?? {}, null, 2), 'json').replace(/^/gm, '  '), '');
    }
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n')}\n`;
}
