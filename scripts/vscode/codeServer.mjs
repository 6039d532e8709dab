// Starts and stops a real VS Code server (code-server) for one run, kept apart from the
// user's own VS Code: a fresh user-data folder, its own extensions folder, and XDG_* and
// TMPDIR inside the run's folder, so that nothing is written to the home folder. The
// server runs in a process group of its own, so stopping it ends its extension hosts too.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

/** Settings every run starts with: no AI features, no welcome page, no telemetry or updates. */
export const BASE_SETTINGS = {
  'chat.disableAIFeatures': true,
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'telemetry.feedback.enabled': false,
  'update.mode': 'none',
  'update.showReleaseNotes': false,
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'remote.autoForwardPorts': false,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
};

/** A port that was free on 127.0.0.1 a moment ago. */
/**
 * Ends every code-server group started under `dir` that is still running, found by the
 * pid files startCodeServer() leaves there (for a supervisor whose child was killed).
 */
export function killServersUnder(dir) {
  const killed = [];
  const walk = (d, depth) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(d, e.name);
      if (e.isDirectory() && depth < 3) walk(path, depth + 1);
      else if (e.isFile() && /^code-server-\d+\.pid$/.test(e.name)) {
        const pid = Number(readFileSync(path, 'utf8'));
        if (pid > 1 && killGroup(pid, 'SIGKILL')) killed.push(pid);
        rmSync(path, { force: true });
      }
    }
  };
  walk(resolve(dir), 0);
  return killed;
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** Whether something already listens on 127.0.0.1:port. */
export function portInUse(port) {
  return new Promise((resolveUse) => {
    const server = createServer();
    server.once('error', () => resolveUse(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolveUse(false)));
  });
}

/**
 * A short folder for sockets (VS Code's IPC handles, Chromium's): a Unix socket's path
 * must stay under 108 bytes, which a run folder deep in a clone may exceed. Inside the
 * run folder when its path is short, else in the system's temporary folder (removed by
 * stop()).
 */
function socketDir(runDir) {
  if (join(runDir, 'rt').length <= 40) {
    const dir = join(runDir, 'rt');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return { dir, owned: false };
  }
  return { dir: mkdtempSync(join(tmpdir(), 'pvsc-')), owned: true };
}

/** The environment of the server and its CLI: paths inside the run, nothing inherited that steers it. */
function serverEnv(runDir, extra = {}, sockets, gallery_ = false) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key.startsWith('VSCODE_') || key.startsWith('CODE_SERVER_') || key.startsWith('CS_') || key.startsWith('ELECTRON_')) delete env[key];
  }
  for (const key of Object.keys(env)) {
    if (/^npm_/i.test(key)) delete env[key]; // from an outer `npm test` / `npm start`
  }
  for (const key of ['PORT', 'PASSWORD', 'HASHED_PASSWORD', 'GITHUB_TOKEN', 'NODE_OPTIONS', 'NODE', 'INIT_CWD']) delete env[key];
  const dirs = {
    XDG_CONFIG_HOME: join(runDir, 'xdg', 'config'),
    XDG_DATA_HOME: join(runDir, 'xdg', 'data'),
    XDG_CACHE_HOME: join(runDir, 'xdg', 'cache'),
    XDG_STATE_HOME: join(runDir, 'xdg', 'state'),
    XDG_RUNTIME_DIR: sockets ?? join(runDir, 'xdg', 'runtime'),
    TMPDIR: sockets ?? join(runDir, 'tmp'),
  };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  // No extension gallery unless asked for: on a closed network its lookups only fail.
  const gallery = gallery_ ? {} : { EXTENSIONS_GALLERY: '{}' };
  return { ...env, ...dirs, ...gallery, ...extra };
}

/** The folders of one run: `{ runDir, userDataDir, extensionsDir }` (created). */
export function runFolders(runDir, { userDataDir, extensionsDir } = {}) {
  runDir = resolve(runDir);
  const folders = {
    runDir,
    userDataDir: resolve(userDataDir ?? join(runDir, 'user-data')),
    extensionsDir: resolve(extensionsDir ?? join(runDir, 'extensions')),
  };
  for (const dir of Object.values(folders)) mkdirSync(dir, { recursive: true });
  return folders;
}

/**
 * Installs a .vsix with code-server's CLI into the given extensions folder.
 * `codeServer` is what scripts/vscode/install.mjs's ensureCodeServer() returns.
 */
export function installExtension({ codeServer, vsix, runDir, userDataDir, extensionsDir }) {
  const folders = runFolders(runDir, { userDataDir, extensionsDir });
  const sockets = socketDir(folders.runDir);
  const r = spawnSync(codeServer.node, [
    codeServer.entry,
    '--user-data-dir', folders.userDataDir,
    '--extensions-dir', folders.extensionsDir,
    '--config', join(folders.userDataDir, 'config.yaml'),
    '--disable-telemetry',
    '--force',
    '--install-extension', resolve(vsix),
  ], { encoding: 'utf8', env: serverEnv(folders.runDir, {}, sockets.dir), timeout: 120_000 });
  if (sockets.owned) rmSync(sockets.dir, { recursive: true, force: true });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.status !== 0 || /failed|error/i.test(output) && !/successfully installed/i.test(output)) {
    throw new Error(`Installing ${vsix} into code-server failed (${r.status ?? r.signal ?? r.error?.message}):\n${output}`);
  }
  return output;
}

/** The user's settings (BASE_SETTINGS first), or with `scope` 'Machine' the machine's (nothing added). */
function writeSettings(userDataDir, settings, scope = 'User') {
  const dir = join(userDataDir, scope);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'settings.json');
  let existing = {};
  try {
    existing = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // none yet
  }
  writeFileSync(file, `${JSON.stringify({ ...(scope === 'User' ? BASE_SETTINGS : {}), ...existing, ...settings }, null, 2)}\n`);
  return file;
}

/** Changes user settings of a running server (VS Code watches the file and applies them). */
export function updateSettings(userDataDir, settings) {
  return writeSettings(userDataDir, settings);
}

function healthy(origin) {
  return new Promise((resolveOk) => {
    const req = get(`${origin}/healthz`, { timeout: 2000 }, (res) => {
      res.resume();
      resolveOk(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolveOk(false));
  });
}

const live = new Set();
const tempDirs = new Set();
let exitHookInstalled = false;
/** On any exit of this process, end the process groups still running (last resort). */
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of live) killGroup(pid, 'SIGKILL');
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

function groupAlive(pid) {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts code-server on 127.0.0.1 and waits until it answers /healthz.
 *
 * options:
 *   codeServer      what ensureCodeServer() returns ({ node, entry })
 *   runDir          folder for this run (user data, extensions, XDG_*, TMPDIR, log)
 *   workspace       folder to open by default (optional)
 *   port            port to listen on (default: a free one)
 *   settings        user settings added to BASE_SETTINGS (e.g. workbench.colorTheme)
 *   machineSettings settings of machine scope for the extension host: a code-server window
 *                   is a remote one, whose extension host reads those only from the
 *                   machine's settings (user-data/Machine), never from the user's
 *   smokeTestDriver pass `--vscode-option enable-smoke-test-driver` (needed to run an
 *                   extensionTestsPath from a web workbench; hides notification toasts)
 *   env             extra environment for the server and its extension hosts
 *   userDataDir, extensionsDir   to share folders between servers
 *   echo            also print the server's log lines to this process's stderr
 *   gallery         keep code-server's extension gallery (Open VSX); off by default, since
 *                   tests run without a network and its failed lookups are only noise
 *   workspaceTrust  keep VS Code's workspace trust (off by default): the folder then opens
 *                   in Restricted Mode, without asking, until the user trusts it
 *
 * Returns { origin, port, url(folder?, payload?), remoteUri(path), runDir, userDataDir,
 * extensionsDir, logFile, pid, stop() }.
 */
export async function startCodeServer({
  codeServer, runDir, workspace, port, settings = {}, machineSettings = {}, smokeTestDriver = false, env = {},
  userDataDir, extensionsDir, echo = false, startTimeoutMs = 60_000, gallery = false, workspaceTrust = false,
}) {
  const folders = runFolders(runDir, { userDataDir, extensionsDir });
  port ??= await freePort();
  // Pipulate's daily backups go into the run folder, never the home folder's ~/.pipulate.
  const trust = workspaceTrust ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' } : {};
  writeSettings(folders.userDataDir, { 'pipulate.backup.folder': join(runDir, 'backups'), ...trust, ...settings });
  if (Object.keys(machineSettings).length) writeSettings(folders.userDataDir, machineSettings, 'Machine');
  const config = join(folders.userDataDir, 'config.yaml');
  writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const args = [
    codeServer.entry,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--user-data-dir', folders.userDataDir,
    '--extensions-dir', folders.extensionsDir,
    '--config', config,
    '--disable-telemetry',
    '--disable-update-check',
    ...(workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--reconnection-grace-time', '5',
    '--ignore-last-opened',
  ];
  if (smokeTestDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  if (workspace) args.push(resolve(workspace));

  const logFile = join(folders.runDir, `code-server-${port}.log`);
  const sockets = socketDir(folders.runDir);
  if (sockets.owned) tempDirs.add(sockets.dir);
  const fd = openSync(logFile, 'a');
  const child = spawn(codeServer.node, args, {
    cwd: folders.runDir,
    env: serverEnv(folders.runDir, env, sockets.dir, gallery),
    detached: true, // a process group of its own
    stdio: ['ignore', echo ? 'pipe' : fd, echo ? 'pipe' : fd],
  });
  if (echo) {
    for (const stream of [child.stdout, child.stderr]) {
      stream.on('data', (chunk) => {
        process.stderr.write(chunk);
        try {
          writeFileSync(logFile, chunk, { flag: 'a' });
        } catch {
          // the run folder may be gone at exit
        }
      });
    }
  }
  closeSync(fd);
  installExitHook();
  live.add(child.pid);
  // The group's id, where a supervising process (test/vscode/run.mjs) can find it.
  const pidFile = join(folders.runDir, `code-server-${port}.pid`);
  writeFileSync(pidFile, `${child.pid}\n`);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });

  const origin = `http://127.0.0.1:${port}`;
  const server = {
    origin,
    port,
    pid: child.pid,
    logFile,
    workspace: workspace && resolve(workspace),
    ...folders,
    /** A `vscode-remote://` URI for a path on the server (for the workbench's payload). */
    remoteUri: (path) => `vscode-remote://127.0.0.1:${port}${resolve(path)}`,
    /** The workbench's address, opening `folder`, with an optional payload ([[key, value], ...]). */
    url(folder = workspace, payload) {
      const params = new URLSearchParams();
      if (folder) params.set('folder', resolve(folder));
      if (payload) params.set('payload', JSON.stringify(payload));
      const query = params.toString();
      return `${origin}/${query ? `?${query}` : ''}`;
    },
    get exited() {
      return exited;
    },
    /** Ends the server's whole process group: SIGTERM, then SIGKILL after `graceMs`. */
    async stop(graceMs = 5000) {
      if (!live.has(child.pid)) return;
      killGroup(child.pid, 'SIGTERM');
      const deadline = Date.now() + graceMs;
      while (groupAlive(child.pid) && Date.now() < deadline) await sleep(100);
      if (groupAlive(child.pid)) killGroup(child.pid, 'SIGKILL');
      live.delete(child.pid);
      rmSync(pidFile, { force: true });
      if (sockets.owned) {
        rmSync(sockets.dir, { recursive: true, force: true });
        tempDirs.delete(sockets.dir);
      }
    },
  };

  const deadline = Date.now() + startTimeoutMs;
  while (!(await healthy(origin))) {
    if (exited) {
      await server.stop(0);
      throw new Error(`code-server exited while starting (${exited.code ?? exited.signal}). Log ${logFile}:\n${tailOf(logFile)}`);
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`code-server did not answer ${origin}/healthz within ${startTimeoutMs / 1000} s. Log ${logFile}:\n${tailOf(logFile)}`);
    }
    await sleep(200);
  }
  return server;
}

function tailOf(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
