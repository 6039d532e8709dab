/** The chat's settings, as the extension reads them from VS Code (the service reads them at each use). */
export interface ChatSettings {
  /** The kind of model server (`pipulate.server.kind`); default 'ollama'. */
  kind?: ServerKind;
  /**
   * The server's URL. Ollama: any form `normalizeHost` takes, empty means OLLAMA_HOST or
   * http://127.0.0.1:11434. OpenAI-compatible: its base URL (see openaiServer.ts).
   */
  host: string;
  /** Extra HTTP headers sent with every request (`pipulate.server.headers`: an authenticating proxy, say). */
  headers?: Record<string, string>;
  model: string;
  systemPrompt: string;
  /** Ollama's `num_ctx`: the context length, in tokens. */
  numCtx: number;
  /** Longest wait between tokens (ms), and for the first token when `firstTokenTimeoutMs` is not given; 0 for none. */
  timeoutMs: number;
  /** Longest wait for the first token (ms), which covers loading the model; 0 for none. */
  firstTokenTimeoutMs?: number;
  /** Ollama's `keep_alive` (how long the model stays loaded after a request: "5m", "1h", "-1"); empty: Ollama's default. */
  keepAlive?: string;
  /** The model's tools (docs/tools.md); default DEFAULT_TOOL_SETTINGS. */
  tools?: ToolSettings;
}

export type ServerKind = 'ollama' | 'openai';

export interface ToolSettings {
  /** `pipulate.tools.enabled`: false, and the model is sent no tools at all. */
  enabled: boolean;
  /** `pipulate.tools.autoApprove`: kinds of change made without asking, in every profile (ChangeKind names). */
  autoApprove: string[];
  /** `pipulate.tools.maxRounds`: at most this many requests for one message. */
  maxRounds: number;
}

export const DEFAULT_TOOL_SETTINGS: ToolSettings = { enabled: true, autoApprove: [], maxRounds: 8 };

/** The tool settings as used: the defaults for what is missing, at least one round. */
export function toolSettings(s: ChatSettings): ToolSettings {
  const t = { ...DEFAULT_TOOL_SETTINGS, ...s.tools };
  return { ...t, maxRounds: Math.max(1, Math.floor(t.maxRounds) || DEFAULT_TOOL_SETTINGS.maxRounds) };
}

// model-facing: what the model is told first (the setting's default, in package.json too)
export const DEFAULT_SYSTEM_PROMPT =
  'You are the assistant in Pipulate, a to-do list in the VS Code sidebar. Be brief and practical. ' +
  'System messages in the conversation record what the user did in the to-do list (added, checked, renamed, ' +
  'deleted or moved a todo, switched profile): take them into account, do not repeat them back.';

export const DEFAULT_CHAT_SETTINGS: ChatSettings = {
  host: '',
  model: 'llama3.2',
  systemPrompt: DEFAULT_SYSTEM_PROMPT,
  numCtx: 8192,
  timeoutMs: 120_000,
  firstTokenTimeoutMs: 300_000,
};

/** The wait for the first token, as used. */
export function firstTokenTimeout(s: ChatSettings): number {
  return s.firstTokenTimeoutMs ?? s.timeoutMs;
}

/** num_ctx as sent: at least 256 tokens, the default when the setting is not a number. */
export function contextLength(s: ChatSettings): number {
  return Math.max(256, Math.floor(s.numCtx) || DEFAULT_CHAT_SETTINGS.numCtx);
}
