// Starts what a browser journey needs: a real SMTP server (aiosmtpd), the platform binary on a
// fresh database with the demo province, and Debian's headless Chromium.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import * as OTPAuth from 'otpauth';

const here = dirname(fileURLToPath(import.meta.url));
export const DEMO_PASSWORD = 'TinhSo@2026';

export function freePort() {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function waitForLine(child, text, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${text}"`)), ms);
    const onData = (buf) => {
      if (buf.toString().includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`process exited with ${code} before "${text}"`)));
  });
}

/** Key files kept for the whole run (a folder under the system's temporary directory). */
function sharedKeyFiles() {
  const dir = join(tmpdir(), 'tinhso-e2e-keys');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = (name) => {
    const path = join(dir, name);
    if (!existsSync(path)) writeFileSync(path, randomBytes(32).toString('hex'), { mode: 0o600 });
    return path;
  };
  return {
    TINHSO_AUDIT__KEY_FILE: file('audit.key'),
    TINHSO_TOTP_KEY_FILE: file('totp.key'),
    TINHSO_PKI_KEY_FILE: file('pki.key'),
  };
}

/** A new, empty database on the server of `baseUrl` (whose database is used to connect). */
function freshPostgresDatabase(baseUrl) {
  const name = `tinhso_e2e_${process.pid}_${randomBytes(4).toString('hex')}`;
  execFileSync('psql', [baseUrl, '-qc', `CREATE DATABASE ${name}`]);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => execFileSync('psql', [baseUrl, '-qc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]),
  };
}

/**
 * Starts the platform for one journey file; `options.env` adds to the server's environment,
 * `options.port` chooses its port (one a peer platform's configuration names beforehand) and
 * `options.args` adds to `tinhso serve`'s arguments (`--config FILE`).
 */
export async function startPlatform(options = {}) {
  // What was started so far, stopped again if the start fails (a bad database URL, a server
  // that never says it is ready): else those children keep the test run alive for ever.
  const children = [];
  let pgDatabase = null;
  try {
    return await startPieces(options, children, (db) => { pgDatabase = db; });
  } catch (e) {
    for (const child of children) child.kill('SIGTERM');
    try { pgDatabase?.drop(); } catch { /* already gone */ }
    throw e;
  }
}

async function startPieces(options, children, keepDatabase) {
  const dir = mkdtempSync(join(tmpdir(), 'tinhso-e2e-'));
  const smtpPort = await freePort();
  const mailFile = join(dir, 'mail.jsonl');
  const smtp = spawn('python3', [join(here, '..', 'smtp_sink.py'), String(smtpPort), mailFile], { stdio: 'pipe' });
  children.push(smtp);
  await waitForLine(smtp, 'ready', 15000);

  const port = options.port || await freePort();
  const base = `http://127.0.0.1:${port}`;
  // A real OpenID Connect provider for the single sign-on journey.
  const oidcPort = await freePort();
  const oidc = spawn('node', [join(here, '..', 'oidc_provider.mjs'), String(oidcPort), `${base}/login/oidc/callback`], { stdio: 'pipe' });
  children.push(oidc);
  await waitForLine(oidc, 'ready', 15000);
  const bin = process.env.TINHSO_BIN || join(here, '..', '..', 'target', 'debug', 'tinhso');
  const env = {
    ...process.env,
    TINHSO_DATA_DIR: dir,
    TINHSO_PUBLIC_URL: base,
    TINHSO_SMTP__HOST: '127.0.0.1',
    TINHSO_SMTP__PORT: String(smtpPort),
    RUST_LOG: 'warn',
    TINHSO_OIDC__ISSUER: `http://127.0.0.1:${oidcPort}`,
    TINHSO_OIDC__CLIENT_ID: 'tinhso',
    TINHSO_OIDC__CLIENT_SECRET: 'tinhso-test-secret',
    TINHSO_OIDC__DISPLAY_NAME: 'SSO Thanh Hóa',
    // No internet here: map tiles point at a closed local port (the map still works, grey).
    TINHSO_MAP__TILES: 'http://127.0.0.1:9/{z}/{x}/{y}.png',
    ...(options.env || {}),
  };
  let pgDatabase = null;
  if (process.env.E2E_DATABASE_URL) {
    // Each journey file gets a fresh PostgreSQL database next to the given one, as each gets a
    // fresh SQLite file: one file's state (an administrator's second factor) never leaks into
    // another's.
    pgDatabase = freshPostgresDatabase(process.env.E2E_DATABASE_URL);
    keepDatabase(pgDatabase);
    env.DATABASE_URL = pgDatabase.url;
    Object.assign(env, sharedKeyFiles());
  } else delete env.DATABASE_URL;
  const server = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, ...(options.args || [])], { env, stdio: 'pipe' });
  children.push(server);
  let serverLog = '';
  server.stderr.on('data', (b) => { serverLog += b.toString(); });
  await waitForLine(server, 'Tỉnh Số: http://', 60000);

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });

  // Anything the Content-Security-Policy blocks is a bug in a page: collected, failed at stop.
  const blocked = [];
  return {
    base,
    dir,
    /** The PostgreSQL database of this journey file (none on SQLite, whose file is in `dir`). */
    databaseUrl: pgDatabase?.url,
    /** The server's environment: a `tinhso` command run with it works on the same data. */
    env,
    browser,
    /** What the server wrote to its standard error so far (for a failed assertion's message). */
    log: () => serverLog,
    async newPage() {
      const context = await browser.newContext({ baseURL: base, locale: 'vi-VN' });
      const page = await context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error' && m.text().includes('Content Security Policy')) blocked.push(`${page.url()}: ${m.text()}`);
      });
      return page;
    },
    /** Waits for an email to `to` and returns the first link in it. */
    async linkFromEmail(to, subjectPart = '') {
      for (let i = 0; i < 100; i++) {
        if (existsSync(mailFile)) {
          const mails = readFileSync(mailFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
          const mail = mails.reverse().find((m) => m.to.includes(to) && m.subject.includes(subjectPart));
          if (mail) return mail.body.match(/https?:\/\/\S+/)[0];
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`no email to ${to}; server log:\n${serverLog}`);
    },
    async stop() {
      await browser.close();
      const exited = server.exitCode !== null || server.signalCode !== null
        ? Promise.resolve()
        : new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      smtp.kill('SIGTERM');
      oidc.kill('SIGTERM');
      if (pgDatabase) {
        await exited;
        pgDatabase.drop();
      }
      if (blocked.length) throw new Error(`blocked by the Content-Security-Policy:\n${blocked.join('\n')}`);
    },
  };
}

export function totpCode(secret) {
  return new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate();
}

export async function signIn(page, email, password = DEMO_PASSWORD) {
  await page.goto('/login');
  await page.getByLabel('Email hoặc số điện thoại').fill(email);
  await page.getByLabel(/^Mật khẩu/).fill(password);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
}

/** Sets up two-step verification from the account page and returns the secret. */
export async function enrolTotp(page) {
  await page.goto('/account#totp');
  await page.getByRole('button', { name: 'Thiết lập xác thực hai lớp' }).click();
  const secret = (await page.getByTestId('totp-secret').textContent()).trim();
  await page.getByLabel('Mã xác thực').fill(totpCode(secret));
  await page.getByRole('button', { name: 'Bật xác thực hai lớp' }).click();
  return secret;
}
