// Fuzzes the JSON API against its own OpenAPI document with Schemathesis and every one of its
// checks (server errors, status codes, content types, response schemas, headers, rejection of
// invalid data, acceptance of valid data, authentication, …), on the real binary and a fresh
// database: SQLite, or PostgreSQL when E2E_DATABASE_URL is set (as for the browser tests).
//
// The fuzzer acts as the demo system administrator, signed in the way a person does it: the
// sign-in page, two-step verification, then an API token with every scope from the account
// page. A second pass fuzzes the documents API as the document clerk (văn thư) of Sở Tư pháp,
// whose token gets past the documents' permission checks where the administrator's is refused. Its run is bounded: a fixed number of examples per operation from a fixed seed (so a run
// is repeatable), a per-request timeout, and a deadline after which the run is stopped and
// fails. Its settings and the reasons for them are in e2e/schemathesis.toml.
//
// Usage: node fuzz_api.mjs   (TINHSO_BIN names the binary; FUZZ_MAX_EXAMPLES, FUZZ_SEED,
// FUZZ_DEADLINE (seconds) and FUZZ_MAX_TIME (a time budget the fuzzer spends whole, instead of
// one pass) change the bounds; extra arguments go to `schemathesis run`)
import { spawn } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPlatform, signIn, enrolTotp } from './tests/harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const ADMIN = 'admin@tinhso.local';
const CLERK = 'vanthu.tuphap@tinhso.local';
const TOKEN_NAME = 'API fuzzer';

/** An API token with every scope, created from the account page of `email` signed in (with
 * two-step verification set up first for an administrator, who must have it). */
async function tokenOf(platform, email, { secondFactor }) {
  const page = await platform.newPage();
  await signIn(page, email);
  if (secondFactor) await enrolTotp(page);
  await page.goto('/account#tokens');
  const form = page.locator('form[action="/account/tokens"]');
  await form.getByLabel('Tên mã truy cập').fill(TOKEN_NAME);
  for (const box of await form.locator('input[name="scope"]').all()) await box.check();
  await form.getByRole('button', { name: 'Tạo mã truy cập' }).click();
  const token = (await page.getByTestId('new-token').textContent()).trim();
  await page.context().close();
  return token;
}

/** Runs a command to its end, or stops it at the deadline (then the run fails); its exit code
 * and what it printed (also passed through as it comes). */
function run(command, args, env, deadlineSeconds) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk.toString();
      process.stdout.write(chunk);
    });
    const timer = setTimeout(() => {
      console.error(`fuzz run over its deadline of ${deadlineSeconds} s: stopped`);
      child.kill('SIGTERM');
    }, deadlineSeconds * 1000);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 124 : 1), output });
    });
  });
}

const platform = await startPlatform();
let code = 1;
try {
  code = await fuzz(platform, await tokenOf(platform, ADMIN, { secondFactor: true }), []);
  if (code === 0) {
    console.log('api fuzz: the documents API as the document clerk of Sở Tư pháp');
    const clerk = await tokenOf(platform, CLERK, { secondFactor: false });
    code = await fuzz(platform, clerk, ['--include-tag', 'documents']);
  }
} finally {
  await platform.stop();
}
process.exit(code);

/** One Schemathesis run with `token` (and `extra` arguments): its exit code. */
async function fuzz(platform, token, extra) {
  const args = [
    '--config-file', join(here, 'schemathesis.toml'),
    '--no-color',
    'run', `${platform.base}/api/openapi.json`,
    '--checks', 'all',
    '--max-examples', process.env.FUZZ_MAX_EXAMPLES || '40',
    ...(process.env.FUZZ_MAX_TIME ? ['--max-time', process.env.FUZZ_MAX_TIME] : []),
    '--seed', process.env.FUZZ_SEED || '20261124',
    '--request-timeout', '20',
    '--workers', '2',
    ...extra,
    ...process.argv.slice(2),
  ];
  console.log(`schemathesis ${args.join(' ')}`);
  const deadline = Number(process.env.FUZZ_DEADLINE || 300);
  const mine = await fetch(`${platform.base}/api/v1/tokens`, { headers: { Authorization: `Bearer ${token}` } });
  if (mine.status !== 200) throw new Error(`the new token does not work: ${mine.status}`);
  const tokenId = (await mine.json()).find((t) => t.name === TOKEN_NAME && !t.revoked_at).id;
  const env = {
    ...process.env,
    TINHSO_FUZZ_TOKEN: token,
    TINHSO_FUZZ_TOKEN_ID: tokenId,
    SCHEMATHESIS_HOOKS: 'fuzz_hooks',
    PYTHONPATH: [here, process.env.PYTHONPATH].filter(Boolean).join(':'),
  };
  // Through the Python that installed it, whatever is on PATH.
  const cli = ['-c', 'import sys; from schemathesis.cli import schemathesis; sys.argv[0] = "schemathesis"; schemathesis()'];
  let result = await run('python3', [...cli, ...args], env, deadline);
  // CPython 3.11 can crash inside Hypothesis while it describes a filter for a report
  // ("SystemError: AST constructor recursion depth mismatch"): the fuzzer's own fault, reported as
  // a runtime error with no finding about the server. Such a run alone is tried once more; any
  // real failure (the FAILURES section) still fails at once.
  if (result.code !== 0 && toolCrashOnly(result.output)) {
    console.log('api fuzz: the fuzzer itself crashed (CPython AST error, no server finding): running again');
    result = await run('python3', [...cli, ...args], env, deadline);
  }
  // One closing line in the form every test runner here ends with.
  const tail = result.output.includes('Test cases:') ? result.output.split('Test cases:').pop() : '';
  const cases = tail.split('\n').find((l) => l.trim()) ?? '';
  const count = (re) => Number(re.exec(cases)?.[1] ?? 0);
  const passed = count(/(\d+) passed/);
  const failures = count(/(\d+) unique failures?/) + count(/(\d+) errored/);
  const failed = result.code === 0 ? 0 : Math.max(1, failures);
  console.log(`api fuzz: ${passed} passed, ${failed} failed`);
  return result.code;
}

/** Whether a failed run met the interpreter crash inside the fuzzer and found nothing about the
 * server (a second run must then pass on its own, so another error is not hidden). */
function toolCrashOnly(output) {
  return output.includes('SystemError: AST constructor recursion depth mismatch')
    && !output.includes('= FAILURES =');
}
