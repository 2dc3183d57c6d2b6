// Signing with a USB token at the leader's desk in the browser (issue 15, docs/signatures-design.md
// §4, the deferred path): a SoftHSM2 token made with SoftHSM2's and OpenSC's own tools holds an
// RSA-2048 key generated on it, which the demo CA certifies for the leader of phường Hạc Thành
// (`tinhso pki certify-key`, the operator's command; the certificate is written on the token
// beside the key). The leader opens the decision awaiting approval: its "Ký số" panel gives the
// `tinhso desk-sign` command, and the account page an API token; the real command, run as the
// leader would at their desk with the token's library, label and PIN file, signs on the token;
// the document's page then shows the new version and its valid signature (PAdES B-LT, the
// token's certificate under the demo CA).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { X509Certificate } from 'node:crypto';
import { startPlatform } from './harness.js';
import { draftToApproval, signatureTexts, LEADER, LEADER_NAME } from './drafts.js';

const here = dirname(fileURLToPath(import.meta.url));
const bin = process.env.TINHSO_BIN || join(here, '..', '..', 'target', 'debug', 'tinhso');
const MODULE = '/usr/lib/softhsm/libsofthsm2.so';
const TOKEN = 'token-lanh-dao';
const PIN = '135790';
const SO_PIN = '24681357';
const KEY_ID = '01';

/** A SoftHSM2 folder of this journey's own: only the commands given its configuration see it. */
function softHsm() {
  assert.ok(existsSync(MODULE), `${MODULE} is required (apt-get install softhsm2 opensc)`);
  const dir = mkdtempSync(join(tmpdir(), 'tinhso-desk-'));
  mkdirSync(join(dir, 'tokens'));
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const env = { ...process.env, SOFTHSM2_CONF: conf };
  const tool = (program, args) => execFileSync(program, args, { env, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  const p11 = (args) => tool('pkcs11-tool', ['--module', MODULE, '--token-label', TOKEN, '--login', '--pin', PIN, ...args]);
  return { dir, env, tool, p11 };
}

let platform;
let hsm;
before(async () => {
  hsm = softHsm();
  platform = await startPlatform();
});
after(async () => { await platform?.stop(); });

test('the leader signs with the USB token at the desk, and the document shows the signature', async () => {
  // The token: initialised, a key pair generated on it.
  hsm.tool('softhsm2-util', ['--init-token', '--free', '--label', TOKEN, '--so-pin', SO_PIN, '--pin', PIN]);
  hsm.p11(['--keypairgen', '--key-type', 'rsa:2048', '--id', KEY_ID, '--label', 'chu-ky-lanh-dao']);
  const publicKey = join(hsm.dir, 'public.der');
  hsm.p11(['--read-object', '--type', 'pubkey', '--id', KEY_ID, '-o', publicKey]);
  // The demo CA certifies it for the leader (the operator's command, on the platform's data);
  // the certificate goes on the token beside the key.
  const certificate = join(hsm.dir, 'cert.der');
  const certified = spawnSync(bin, ['pki', 'certify-key', '--email', LEADER, '--public-key', publicKey, '--out', certificate],
    // Beside the running server: the full-text index stays the server's.
    { env: { ...platform.env, TINHSO_SEARCH_INDEX: 'false', RUST_LOG: 'error' }, cwd: platform.dir });
  assert.equal(certified.status, 0, `${certified.stdout}${certified.stderr}`);
  const issued = new X509Certificate(readFileSync(certificate));
  assert.match(issued.subject, new RegExp(LEADER_NAME));
  assert.match(issued.issuer, /DEMO/);
  assert.equal(issued.toString().trim(), certified.stdout.toString().trim(), 'the PEM printed is the file written');
  hsm.p11(['--write-object', certificate, '--type', 'cert', '--id', KEY_ID]);

  // The decision awaits the leader's approval; the document page gives the command.
  const subject = 'Quyết định ký số bằng USB token tại máy trạm (minh họa)';
  const { url, leader, clerk } = await draftToApproval(platform, subject);
  await clerk.context().close();
  const desk = leader.getByTestId('doc-sign-desk');
  await desk.getByRole('heading', { name: 'Ký bằng USB token tại máy tính của bạn' }).waitFor();
  const command = (await desk.getByTestId('doc-sign-desk-command').textContent()).trim();
  const documentId = url.split('/').pop();
  assert.equal(command, `tinhso desk-sign --server ${platform.base} --document ${documentId} --module <thư-viện-PKCS#11-của-token> --token-label <nhãn-token> --pin-file <tệp-mã-PIN>`);

  // An API token for the command, made on the account page the panel links to.
  await desk.getByRole('link', { name: 'Tạo mã API' }).click();
  await leader.waitForURL(/\/account/);
  const form = leader.locator('form[action="/account/tokens"]');
  await form.getByLabel('Tên mã truy cập').fill('USB token tại máy trạm');
  await form.locator('input[name="scope"][value="documents"]').check();
  await form.getByRole('button', { name: 'Tạo mã truy cập' }).click();
  const apiToken = (await leader.getByTestId('new-token').textContent()).trim();

  // At the desk: the page's command with the token's library, label and PIN file.
  const pinFile = join(hsm.dir, 'pin');
  writeFileSync(pinFile, `${PIN}\n`, { mode: 0o600 });
  const args = command.split(' ').slice(1).map((a) => ({
    '<thư-viện-PKCS#11-của-token>': MODULE,
    '<nhãn-token>': TOKEN,
    '<tệp-mã-PIN>': pinFile,
  })[a] ?? a);
  const signed = spawnSync(bin, args, {
    cwd: hsm.dir,
    env: { PATH: process.env.PATH, SOFTHSM2_CONF: hsm.env.SOFTHSM2_CONF, TINHSO_API_TOKEN: apiToken, TINHSO_DATA_DIR: join(hsm.dir, 'desk-data'), RUST_LOG: 'error' },
    timeout: 120000,
  });
  assert.equal(signed.status, 0, `desk-sign: ${signed.stdout}${signed.stderr}\n${platform.log()}`);
  assert.match(signed.stdout.toString(), /^Đã ký số: phiên \S+ \(signed\), rsa-pss-sha256/m);
  assert.match(signed.stdout.toString(), new RegExp(`/office/documents/${documentId}`));

  // The document's page: the new version, its signature valid, by the token's certificate.
  await leader.goto(url);
  assert.equal(await leader.getByTestId('doc-pending-signings').count(), 0);
  const version = leader.getByTestId('doc-versions').getByRole('listitem').filter({ hasText: 'Phiên bản 2: quyet-dinh.signed.pdf' });
  // The signature in the file is the token's: its certificate is the one the demo CA issued.
  const [download] = await Promise.all([
    leader.waitForEvent('download'),
    version.getByRole('link', { name: /quyet-dinh\.signed\.pdf/ }).click(),
  ]);
  const file = join(hsm.dir, 'signed.pdf');
  await download.saveAs(file);
  const pdf = readFileSync(file).toString('latin1').toLowerCase();
  assert.ok(pdf.includes(issued.raw.toString('hex')), 'the token certificate is in the signature');
  await version.getByRole('link', { name: 'Kiểm tra chữ ký số' }).click();
  await leader.getByRole('heading', { level: 1, name: 'Chữ ký số' }).waitFor();
  const onPage = await signatureTexts(leader);
  assert.equal(onPage.length, 1, onPage.join('\n'));
  assert.match(onPage[0], new RegExp(`${LEADER_NAME}.*Hợp lệ · PAdES B-LT · DEMO`), onPage[0]);
  await leader.context().close();
});
