// The exchange between two platforms in the browser (issue 15: "approve and sign → agency
// signature at issue → received and verified on the other side"): two tinhso processes, each on
// its own database, configured as each other's exchange peers (`--config` with
// `[[exchange.peers]]`, each holding the other's public exchange key). Platform A is the demo
// province; platform B trusts A's demo root (`signatures.trust_anchors_file`, A's
// /pki/ca/root.cer) and its Sở Tư pháp goes by Văn phòng Chính phủ's code, which A reaches
// through the exchange. On A a decision with a real PDF is drafted to "000.00.00.G22 Văn phòng
// Chính phủ" (typed: an agency of another platform), the leader signs it digitally and
// approves it, the văn thư issues it with the agency's digital seal; A's document page then
// follows the delivery until B's "03 Đã vào sổ" comes back. On B the văn thư finds it in the
// incoming register and its page shows the signatures checked on arrival: the leader's and the
// agency's, both valid, the files intact and the chain trusted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createECDH, createPublicKey, randomBytes, X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPlatform, signIn, freePort } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tinhso-exchange-'));
const VPCP = '000.00.00.G22';
const STP = '000.00.14.H56';
const DRAFTER = 'chuyenvien.hacthanh@tinhso.local';
const LEADER = 'lanhdao.hacthanh@tinhso.local';
const LEADER_NAME = 'Mai Thị Thu';
const CLERK = 'vanthu.hacthanh@tinhso.local';
const AGENCY = 'Ủy ban nhân dân phường Hạc Thành';
const B_CLERK = 'vanthu.tuphap@tinhso.local';

/** A P-256 exchange key: its private scalar (hex, as `exchange.key` takes it) and public PEM. */
function exchangeKey() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const spki = Buffer.concat([
    Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'),
    ecdh.getPublicKey(),
  ]);
  const pem = createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' });
  return { secret: ecdh.getPrivateKey('hex').padStart(64, '0'), pem };
}

/** A platform's configuration file: its exchange name and key, and its one peer. */
function configFile(name, id, key, peer) {
  const cert = join(work, `${peer.id}.pem`);
  writeFileSync(cert, peer.pem);
  const path = join(work, `${name}.toml`);
  writeFileSync(path, [
    '[exchange]',
    `id = "${id}"`,
    `key = "${key.secret}"`,
    '[[exchange.peers]]',
    `id = "${peer.id}"`,
    `base_url = "${peer.url}"`,
    `organ_ids = [${peer.organs.map((o) => `"${o}"`).join(', ')}]`,
    `cert_file = "${cert}"`,
    '',
  ].join('\n'), { mode: 0o600 });
  return path;
}

/** A one-page PDF with a classic xref table, by the fixture script the signature crate's tests use. */
function decisionPdf(name) {
  const script = [
    'import sys',
    `sys.path.insert(0, ${JSON.stringify(join(here, '..', '..', 'crates', 'pades', 'tests', 'pyhanko'))})`,
    'from classic_pdf import classic_pdf',
    "sys.stdout.buffer.write(classic_pdf(b'1.7', b'BT /F1 12 Tf 72 720 Td (Quyet dinh lien thong) Tj ET'))",
  ].join('\n');
  const buffer = execFileSync('python3', ['-c', script]);
  return { name, mimeType: 'application/pdf', buffer };
}

/** Runs `sql` on platform `p`'s database (its SQLite file, or its PostgreSQL database). */
function sql(p, statement) {
  if (p.databaseUrl) execFileSync('psql', [p.databaseUrl, '-qc', statement]);
  else execFileSync('sqlite3', [join(p.dir, 'tinhso.db'), statement]);
}

let a;
let b;
before(async () => {
  const [portA, portB] = [await freePort(), await freePort()];
  const [keyA, keyB] = [exchangeKey(), exchangeKey()];
  const urlA = `http://127.0.0.1:${portA}`;
  const urlB = `http://127.0.0.1:${portB}`;
  // A: the demo province, whose agencies write to Văn phòng Chính phủ on B.
  const configA = configFile('a', 'thanhhoa', keyA, { id: 'trunguong', url: urlB, organs: [VPCP], pem: keyB.pem });
  a = await startPlatform({ port: portA, args: ['--config', configA] });
  // B trusts A's demo root: A's signatures are checked on arrival against it.
  const response = await fetch(`${a.base}/pki/ca/root.cer`);
  assert.equal(response.status, 200);
  const root = new X509Certificate(Buffer.from(await response.arrayBuffer()));
  const anchors = join(work, 'a-root.pem');
  writeFileSync(anchors, root.toString());
  const configB = configFile('b', 'trunguong', keyB, { id: 'thanhhoa', url: urlA, organs: ['*.H56'], pem: keyA.pem });
  b = await startPlatform({
    port: portB,
    args: ['--config', configB],
    env: { TINHSO_SIGNATURES__TRUST_ANCHORS_FILE: anchors },
  });
  // On B, Sở Tư pháp goes by Văn phòng Chính phủ's code (its văn thư receives what A sends).
  sql(b, `UPDATE agencies SET code = '${VPCP}' WHERE code = '${STP}'`);
});
after(async () => {
  await a?.stop();
  await b?.stop();
});

async function official(platform, email) {
  const page = await platform.newPage();
  await signIn(page, email);
  await page.waitForURL(/\/office|\/account|\/$/);
  return page;
}

/** Reloads `page` until `locator` shows, for up to `seconds`. */
async function eventually(page, locator, seconds, what) {
  for (let i = 0; i < seconds; i++) {
    if (await locator.count()) return;
    await new Promise((r) => setTimeout(r, 1000));
    await page.reload();
  }
  throw new Error(`${what} did not show within ${seconds} s`);
}

test('signed and sealed on one platform, the decision is received and its signatures verified on the other', async () => {
  const subject = 'Quyết định về việc liên thông văn bản điện tử (minh họa)';
  // A: drafted to an agency of platform B, typed by its code.
  const drafter = await official(a, DRAFTER);
  await drafter.goto('/office/documents/new');
  await drafter.getByLabel('Loại văn bản').selectOption({ label: 'Quyết định (QĐ)' });
  await drafter.getByLabel('Trích yếu nội dung').fill(subject);
  await drafter.getByLabel('Nơi nhận khác').fill(`${VPCP} Văn phòng Chính phủ`);
  await drafter.getByLabel('Chức vụ người ký').fill('Chủ tịch');
  await drafter.getByLabel('Họ và tên người ký').fill(LEADER_NAME);
  await drafter.getByLabel('Tệp dự thảo').setInputFiles(decisionPdf('quyet-dinh.pdf'));
  await drafter.getByRole('button', { name: 'Tạo dự thảo' }).click();
  await drafter.getByText('Đã tạo dự thảo.').waitFor();
  const url = drafter.url().split('?')[0];
  await drafter.getByRole('button', { name: 'Trình duyệt' }).click();
  await drafter.getByText('Đã trình duyệt dự thảo.').waitFor();
  await drafter.context().close();

  const leader = await official(a, LEADER);
  await leader.goto(url);
  await leader.getByRole('button', { name: 'Duyệt nội dung' }).click();
  await leader.getByText('Đã duyệt nội dung.').waitFor();
  const clerk = await official(a, CLERK);
  await clerk.goto(url);
  await clerk.getByRole('button', { name: 'Đạt thể thức' }).click();
  await clerk.getByText('Đã kiểm tra thể thức.').waitFor();

  // The leader signs the PDF digitally, asked first, then approves.
  await leader.goto(url);
  const panel = leader.getByTestId('doc-sign-digitally');
  await panel.getByLabel('Nơi ký (không bắt buộc)').fill('Thanh Hóa');
  await panel.getByRole('button', { name: 'Ký số' }).click();
  const step = leader.getByTestId('confirm-step');
  await step.getByRole('heading', { name: 'Ký số văn bản?' }).waitFor();
  await step.getByRole('button', { name: 'Ký số' }).click();
  await leader.getByText('Đã ký số văn bản: bản đã ký được lưu thành phiên bản mới.').waitFor();
  await leader.getByRole('button', { name: 'Phê duyệt, ký' }).click();
  await leader.getByText('Đã phê duyệt, ký văn bản.').waitFor();
  await leader.context().close();

  // The văn thư issues it with the agency's digital seal: it leaves through the exchange.
  await clerk.goto(url);
  await clerk.getByLabel('Đóng dấu số của cơ quan', { exact: false }).check();
  await clerk.getByRole('button', { name: 'Cấp số, ban hành' }).click();
  const confirm = clerk.getByTestId('confirm-step');
  await confirm.waitFor();
  await confirm.getByRole('button', { name: 'Cấp số, ban hành' }).click();
  await clerk.getByText('Đã cấp số, ban hành văn bản').waitFor();
  const number = (await clerk.getByTestId('doc-number').textContent()).trim();
  assert.match(number, /^\d+\/QĐ-\S+$/);
  // B's answer comes back: registered ("Đã vào sổ", status 03).
  await eventually(clerk, clerk.getByTestId('doc-exchange-status').filter({ hasText: 'Đã vào sổ' }), 90, `"Đã vào sổ" on A's page (A's log:\n${a.log()}\nB's log:\n${b.log()})`);
  await clerk.context().close();

  // B: the văn thư of the receiving agency finds it in the incoming register.
  const receiver = await official(b, B_CLERK);
  await receiver.goto('/office/documents/incoming');
  const row = receiver.getByTestId('incoming-register').getByRole('row').filter({ hasText: subject });
  await row.waitFor();
  assert.match(await row.textContent(), new RegExp(number.replace('/', '\\/')));
  await row.getByRole('link', { name: subject }).click();
  await receiver.getByRole('heading', { level: 1, name: subject }).waitFor();
  assert.match(await receiver.getByTestId('doc-facts').textContent(), /Liên thông từ nền tảng khác \(edXML\)/);

  // Its signatures, checked on arrival: the leader's and the agency's, valid, intact, trusted.
  const arrival = receiver.getByTestId('doc-arrival-signatures');
  await arrival.getByRole('heading', { name: 'Chữ ký số khi nhận liên thông' }).waitFor();
  assert.equal((await arrival.getByTestId('arrival-indication').first().textContent()).trim(), 'Hợp lệ');
  const signatures = (await arrival.getByTestId('arrival-signature').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
  assert.equal(signatures.length, 2, signatures.join('\n'));
  assert.match(signatures[0], new RegExp(`${LEADER_NAME}.*Chữ ký số của người ký: Hợp lệ · PAdES B-LT`), signatures[0]);
  assert.match(signatures[1], new RegExp(`${AGENCY}.*Chữ ký số của cơ quan: Hợp lệ · PAdES B-LT`), signatures[1]);
  for (const s of signatures) {
    assert.match(s, /Toàn vẹn: nguyên vẹn từ khi ký/);
    assert.match(s, /Tin cậy: chuỗi chứng thư đến chứng thư gốc được tin cậy/);
  }
  await receiver.context().close();
});
