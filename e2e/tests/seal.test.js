// The agency's digital seal at issue (issue 15, docs/signatures-design.md §3 "Appearance"), in the
// browser: a decision of phường Hạc Thành with a real PDF goes through review and form check;
// the leader signs it digitally from the document page, through the confirmation step, then
// approves it; the document clerk (văn thư) issues it with "Đóng dấu số của cơ quan" ticked,
// through the confirmation step; the issued version's signatures page shows the leader's
// signature and the agency's seal, both valid; the recipient's văn thư downloads the copy it
// received and, signed out, anyone checking that file at /signatures/verify sees two valid
// signatures. Ticking the seal on a decision the leader approved without signing digitally is
// refused with the page's Vietnamese message, and nothing is numbered or stored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPlatform, signIn } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tinhso-seal-'));
const DRAFTER = 'chuyenvien.hacthanh@tinhso.local';
const LEADER = 'lanhdao.hacthanh@tinhso.local';
const LEADER_NAME = 'Mai Thị Thu';
const CLERK = 'vanthu.hacthanh@tinhso.local';
const AGENCY = 'Ủy ban nhân dân phường Hạc Thành';
const RECIPIENT_CODE = '000.00.14.H56';
const RECIPIENT_CLERK = 'vanthu.tuphap@tinhso.local';
const REFUSAL = 'chưa có chữ ký số hợp lệ của lãnh đạo cơ quan ban hành';

/** A one-page PDF with a classic xref table, by the fixture script the signature crate's tests use. */
function decisionPdf(name) {
  const script = [
    'import sys',
    `sys.path.insert(0, ${JSON.stringify(join(here, '..', '..', 'crates', 'pades', 'tests', 'pyhanko'))})`,
    'from classic_pdf import classic_pdf',
    "sys.stdout.buffer.write(classic_pdf(b'1.7', b'BT /F1 12 Tf 72 720 Td (Quyet dinh ban hanh quy che) Tj ET'))",
  ].join('\n');
  const buffer = execFileSync('python3', ['-c', script]);
  assert.equal(buffer.subarray(0, 5).toString(), '%PDF-');
  return { name, mimeType: 'application/pdf', buffer };
}

let platform;
before(async () => { platform = await startPlatform(); });
after(async () => { await platform?.stop(); });

async function official(email) {
  const page = await platform.newPage();
  await signIn(page, email);
  await page.waitForURL(/\/office|\/account|\/$/);
  return page;
}

async function stateOf(page) {
  return (await page.getByTestId('doc-state').textContent()).trim();
}

/**
 * Drafts a decision with a real PDF as the ward's specialist, has the leader review it and the
 * văn thư check its form: the document's address, its pages for the leader and the clerk.
 */
async function toApproval(subject) {
  const drafter = await official(DRAFTER);
  await drafter.goto('/office/documents/new');
  await drafter.getByLabel('Loại văn bản').selectOption({ label: 'Quyết định (QĐ)' });
  await drafter.getByLabel('Trích yếu nội dung').fill(subject);
  await drafter.getByText('Cơ quan trên hệ thống', { exact: true }).click();
  await drafter.getByLabel(new RegExp(RECIPIENT_CODE.replaceAll('.', '\\.'))).check();
  await drafter.getByLabel('Chức vụ người ký').fill('Chủ tịch');
  await drafter.getByLabel('Họ và tên người ký').fill(LEADER_NAME);
  await drafter.getByLabel('Tệp dự thảo').setInputFiles(decisionPdf('quyet-dinh.pdf'));
  await drafter.getByRole('button', { name: 'Tạo dự thảo' }).click();
  await drafter.getByText('Đã tạo dự thảo.').waitFor();
  const url = drafter.url().split('?')[0];
  await drafter.getByRole('button', { name: 'Trình duyệt' }).click();
  await drafter.getByText('Đã trình duyệt dự thảo.').waitFor();
  await drafter.context().close();

  const leader = await official(LEADER);
  await leader.goto(url);
  await leader.getByRole('button', { name: 'Duyệt nội dung' }).click();
  await leader.getByText('Đã duyệt nội dung.').waitFor();
  const clerk = await official(CLERK);
  await clerk.goto(url);
  await clerk.getByRole('button', { name: 'Đạt thể thức' }).click();
  await clerk.getByText('Đã kiểm tra thể thức.').waitFor();
  await leader.goto(url);
  assert.equal(await stateOf(leader), 'Chờ phê duyệt');
  return { url, leader, clerk };
}

/** The leader approves ("Phê duyệt, ký") with the signer the draft names. */
async function approve(leader) {
  await leader.getByRole('button', { name: 'Phê duyệt, ký' }).click();
  await leader.getByText('Đã phê duyệt, ký văn bản.').waitFor();
  assert.equal(await stateOf(leader), 'Đã ký duyệt');
}

/** The clerk ticks the seal and issues, through the confirmation step. */
async function issueWithSeal(clerk) {
  const seal = clerk.getByLabel('Đóng dấu số của cơ quan', { exact: false });
  await seal.check();
  await clerk.getByRole('button', { name: 'Cấp số, ban hành' }).click();
  const step = clerk.getByTestId('confirm-step');
  await step.waitFor();
  await step.getByRole('button', { name: 'Cấp số, ban hành' }).click();
}

/** The texts of the signatures shown on `page` (a `signature` test id each). */
async function signatureTexts(page) {
  const items = page.getByTestId('signature');
  await items.first().waitFor();
  return (await items.allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
}

test('the leader signs, the văn thư issues with the agency seal, and the received copy shows two valid signatures', async () => {
  const subject = 'Quyết định ban hành quy chế thử nghiệm ký số (minh họa)';
  const { url, leader, clerk } = await toApproval(subject);

  // The leader signs the approved PDF digitally, from the document page, asked first.
  const panel = leader.getByTestId('doc-sign-digitally');
  await panel.getByLabel('Nơi ký (không bắt buộc)').fill('Thanh Hóa');
  await panel.getByRole('button', { name: 'Ký số' }).click();
  const step = leader.getByTestId('confirm-step');
  await step.getByRole('heading', { name: 'Ký số văn bản?' }).waitFor();
  await step.getByRole('button', { name: 'Ký số' }).click();
  await leader.getByText('Đã ký số văn bản: bản đã ký được lưu thành phiên bản mới.').waitFor();
  await leader.getByRole('link', { name: /Phiên bản 2: quyet-dinh\.signed\.pdf/ }).waitFor();
  await approve(leader);

  // The văn thư issues it with the agency's seal: numbered, and the sealed file is version 3.
  await clerk.goto(url);
  await issueWithSeal(clerk);
  await clerk.getByText('Đã cấp số, ban hành văn bản').waitFor();
  assert.equal(await stateOf(clerk), 'Đã ban hành');
  const number = (await clerk.getByTestId('doc-number').textContent()).trim();
  assert.match(number, /^\d+\/QĐ-\S+$/);
  const sealed = clerk.getByTestId('doc-versions').getByRole('listitem').filter({ hasText: 'Phiên bản 3: quyet-dinh.issued.pdf' });
  await sealed.getByRole('link', { name: 'Kiểm tra chữ ký số' }).click();
  await clerk.getByRole('heading', { level: 1, name: 'Chữ ký số' }).waitFor();
  const onPage = await signatureTexts(clerk);
  assert.equal(onPage.length, 2, onPage.join('\n'));
  assert.match(onPage[0], new RegExp(`${LEADER_NAME}.*Hợp lệ · PAdES B-LT · DEMO`), onPage[0]);
  assert.match(onPage[1], new RegExp(`${AGENCY}.*Hợp lệ · PAdES B-LT · DEMO`), onPage[1]);
  await leader.context().close();
  await clerk.context().close();

  // The recipient's văn thư finds it in the incoming register and downloads the file received.
  const recipient = await official(RECIPIENT_CLERK);
  await recipient.goto('/office/documents/incoming');
  const row = recipient.getByTestId('incoming-register').getByRole('row').filter({ hasText: subject });
  assert.match(await row.textContent(), new RegExp(number.replace('/', '\\/')));
  await row.getByRole('link', { name: subject }).click();
  await recipient.getByRole('heading', { level: 1, name: subject }).waitFor();
  const [download] = await Promise.all([
    recipient.waitForEvent('download'),
    recipient.getByRole('link', { name: /quyet-dinh\.issued\.pdf/ }).click(),
  ]);
  const file = join(work, download.suggestedFilename());
  await download.saveAs(file);
  assert.equal(readFileSync(file).subarray(0, 5).toString(), '%PDF-');
  await recipient.context().close();

  // Signed out, on a phone: the file checks out with both signatures valid.
  const anyone = await platform.newPage();
  await anyone.setViewportSize({ width: 360, height: 740 });
  await anyone.goto('/signatures/verify');
  await anyone.getByLabel('Tệp PDF').setInputFiles(file);
  await anyone.getByRole('button', { name: 'Kiểm tra' }).click();
  await anyone.getByTestId('sig-overall').filter({ hasText: 'Hợp lệ' }).waitFor();
  assert.doesNotMatch(await anyone.getByTestId('sig-overall').textContent(), /Không hợp lệ|Chưa xác định/);
  const checked = await signatureTexts(anyone);
  assert.equal(checked.length, 2, checked.join('\n'));
  const indications = await anyone.getByTestId('sig-indication').allTextContents();
  assert.deepEqual(indications.map((s) => s.trim()), ['Hợp lệ', 'Hợp lệ']);
  assert.match(checked[0], new RegExp(LEADER_NAME));
  assert.match(checked[1], new RegExp(AGENCY));
  for (const text of checked) assert.match(text, /PAdES B-LT/);
  await anyone.context().close();
});

test('the seal is refused when the leader has not signed digitally, and nothing is issued', async () => {
  const subject = 'Quyết định phê duyệt kế hoạch chuyển đổi số năm 2027 (minh họa)';
  const { url, leader, clerk } = await toApproval(subject);
  await approve(leader);
  await leader.context().close();

  await clerk.goto(url);
  await issueWithSeal(clerk);
  await clerk.getByTestId('doc-refusal').filter({ hasText: REFUSAL }).waitFor();
  assert.equal(await stateOf(clerk), 'Đã ký duyệt');
  assert.equal((await clerk.getByTestId('doc-number').textContent()).trim(), 'Chưa cấp số');
  assert.equal(await clerk.getByTestId('doc-versions').getByRole('listitem').count(), 1);
  // What was chosen is kept on the page.
  assert.ok(await clerk.getByLabel('Đóng dấu số của cơ quan', { exact: false }).isChecked());
  // Reloaded, the document is as it was: still waiting for its number.
  await clerk.goto(url);
  assert.equal(await stateOf(clerk), 'Đã ký duyệt');
  assert.equal((await clerk.getByTestId('doc-number').textContent()).trim(), 'Chưa cấp số');
  await clerk.getByRole('button', { name: 'Cấp số, ban hành' }).waitFor();
  await clerk.context().close();
});
