// `npm start`: builds the extension, packages it (dist/pipulate.vsix) and opens it in a
// VS Code:
//
//   - with a `code` command (desktop VS Code, or its remote CLI in a Remote-SSH or
//     container terminal): installs the .vsix there and opens this folder;
//   - without one (a server, a container, CI machines): installs code-server (a real VS
//     Code in the browser, cached under .vscode-test/), installs the .vsix into it and
//     serves it on http://127.0.0.1:PORT until Ctrl+C.
//
// Environment:
//   PORT=8080                   the port for code-server (default 8080, else a free one)
//   PIPULATE_START=code-server  use code-server even where `code` exists (or =code)
//   PIPULATE_WORKSPACE=/path    the folder to open in code-server (default: a demo
//                               folder, .vscode-test/workspace)
//
// code-server keeps its user data in .vscode-test/start/, so what you do in the demo is
// still there the next time (the workspace storage is keyed by folder and port).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureDependencies, hasCommand, root, run } from './setup.mjs';

const vsix = join(root, 'dist', 'pipulate.vsix');

function say(message) {
  console.log(`[start] ${message}`);
}

function packageExtension() {
  say('Building and packaging the extension (npm run package) ...');
  run('npm', ['run', '--silent', 'package'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (!existsSync(vsix)) throw new Error(`npm run package did not produce ${vsix}`);
  say(`Packaged ${vsix}`);
}

function startDesktop() {
  say('Installing it into VS Code (code --install-extension) ...');
  const r = spawnSync('code', ['--install-extension', vsix, '--force'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`code --install-extension failed (${r.status ?? r.signal})`);
  const folder = process.cwd();
  spawnSync('code', [folder], { stdio: 'inherit' });
  say(`Opened ${folder} in VS Code. If a window of it was already open, run "Developer: Reload Window" there.`);
  say('The Pipulate icon is in the activity bar.');
}

function demoWorkspace() {
  const dir = join(root, '.vscode-test', 'workspace');
  mkdirSync(dir, { recursive: true });
  const readme = join(dir, 'README.md');
  if (!existsSync(readme)) {
    writeFileSync(readme, [
      '# Pipulate demo workspace',
      '',
      'A folder that `npm start` opens in code-server. Click the Pipulate icon in the',
      'activity bar: your profiles, todos and chat for this folder are kept in one SQLite',
      'file in its workspace storage.',
      '',
      'For the chat, run Ollama on this machine (`ollama serve`, `ollama pull <model>`).',
      '',
    ].join('\n'));
  }
  return dir;
}

async function startCodeServerDemo() {
  const { ensureVSCode } = await import('./vscode/install.mjs');
  const { freePort, installExtension, portInUse, startCodeServer } = await import('./vscode/codeServer.mjs');
  const tools = await ensureVSCode({ chromium: false });
  const runDir = join(root, '.vscode-test', 'start');
  const workspace = process.env.PIPULATE_WORKSPACE ? resolve(process.env.PIPULATE_WORKSPACE) : demoWorkspace();
  if (!existsSync(workspace)) throw new Error(`PIPULATE_WORKSPACE=${workspace} does not exist`);

  say('Installing the .vsix into code-server ...');
  installExtension({ codeServer: tools, vsix, runDir });

  let port = Number(process.env.PORT) || 8080;
  if (await portInUse(port)) {
    if (process.env.PORT) throw new Error(`Port ${port} (from PORT) is in use; choose another one.`);
    const free = await freePort();
    say(`Port ${port} is in use; using ${free}.`);
    port = free;
  }
  say(`Starting code-server ${tools.version} on 127.0.0.1:${port} ...`);
  const server = await startCodeServer({ codeServer: tools, runDir, workspace, port });
  const url = server.url(workspace);
  const line = '='.repeat(Math.min(100, url.length + 4));
  console.log(`\n${line}\n  ${url}\n${line}`);
  say('Open that address in a browser: VS Code with Pipulate installed, on the folder');
  say(`  ${workspace}`);
  say(`(Over SSH, forward the port first: ssh -L ${port}:127.0.0.1:${port} <host>.)`);
  say(`Server log: ${server.logFile}`);
  say('Press Ctrl+C to stop.');

  let stopping = false;
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    say('Stopping code-server ...');
    await server.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGHUP', () => void stop(0));
  // Stay up while the server does.
  const timer = setInterval(() => {
    if (server.exited) {
      clearInterval(timer);
      console.error(`[start] code-server stopped by itself (${server.exited.code ?? server.exited.signal}); see ${server.logFile}`);
      void stop(1);
    }
  }, 1000);
}

async function main() {
  ensureDependencies();
  packageExtension();
  const mode = process.env.PIPULATE_START;
  if (mode === 'code' || (!mode && hasCommand('code'))) {
    startDesktop();
  } else {
    await startCodeServerDemo();
  }
}

main().catch((err) => {
  console.error(`[start] ${err?.message ?? err}`);
  process.exit(1);
});
