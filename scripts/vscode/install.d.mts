// Types of install.mjs, for TypeScript callers (test/vscode/ui.ts).
export const NODE_VERSION: string;
export const CODE_SERVER_VERSION: string;
export const cacheDir: string;

export interface CodeServerInstall {
  /** Node 24's executable. */
  node: string;
  /** code-server's out/node/entry.js. */
  entry: string;
  /** code-server's package folder. */
  pkg: string;
  version: string;
}

export function nodePaths(dir?: string): { pkg: string; bin: string; node: string };
export function codeServerPaths(dir?: string): { pkg: string; entry: string };
export function ensureNode24(): Promise<{ pkg: string; bin: string; node: string }>;
export function ensureCodeServer(): Promise<CodeServerInstall>;
export function ensureVSCode(options?: { chromium?: boolean }): Promise<CodeServerInstall & { chromium?: string }>;
