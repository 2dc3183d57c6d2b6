// What several document journeys share: a real one-page PDF, an official signed in, a decision
// of phường Hạc Thành drafted, reviewed and form-checked up to the leader's approval, and a page
// reloaded until something shows.
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signIn } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
export const DRAFTER = 'chuyenvien.hacthanh@tinhso.local';
export const LEADER = 'lanhdao.hacthanh@tinhso.local';
export const LEADER_NAME = 'Mai Thị Thu';
export const CLERK = 'vanthu.hacthanh@tinhso.local';
export const AGENCY = 'Ủy ban nhân dân phường Hạc Thành';

/** A one-page PDF with a classic xref table, by the fixture script the signature crate's tests use. */
export function decisionPdf(name, text = 'Quyet dinh') {
  const script = [
    'import sys',
    `sys.path.insert(0, ${JSON.stringify(join(here, '..', '..', 'crates', 'pades', 'tests', 'pyhanko'))})`,
    'from classic_pdf import classic_pdf',
    `sys.stdout.buffer.write(classic_pdf(b'1.7', b'BT /F1 12 Tf 72 720 Td (${text.replace(/[^A-Za-z0-9 ]/g, '')}) Tj ET'))`,
  ].join('\n');
  const buffer = execFileSync('python3', ['-c', script]);
  assert.equal(buffer.subarray(0, 5).toString(), '%PDF-');
  return { name, mimeType: 'application/pdf', buffer };
}

/** A new browser page of `platform` signed in as `email`. */
export async function official(platform, email) {
  const page = await platform.newPage();
  await signIn(page, email);
  await page.waitForURL(/\/office|\/account|\/$/);
  return page;
}

export async function stateOf(page) {
  return (await page.getByTestId('doc-state').textContent()).trim();
}

/** Reloads `page` until `locator` shows, for up to `seconds`. */
export async function eventually(page, locator, seconds, what) {
  for (let i = 0; i < seconds; i++) {
    if (await locator.count()) return;
    await new Promise((r) => setTimeout(r, 1000));
    await page.reload();
  }
  throw new Error(`${what} did not show within ${seconds} s`);
}

/**
 * Drafts a decision of phường Hạc Thành with a real PDF as its specialist, to `outside` (an
 * agency typed by its code: one on another platform) or else to Sở Tư pháp on the platform; its
 * leader approves the content and its văn thư the form. Returns the document's address and the
 * pages of the leader and the văn thư, signed in; the document awaits the leader's approval.
 */
export async function draftToApproval(platform, subject, { outside } = {}) {
  const drafter = await official(platform, DRAFTER);
  await drafter.goto('/office/documents/new');
  await drafter.getByLabel('Loại văn bản').selectOption({ label: 'Quyết định (QĐ)' });
  await drafter.getByLabel('Trích yếu nội dung').fill(subject);
  if (outside) {
    await drafter.getByLabel('Nơi nhận khác').fill(outside);
  } else {
    await drafter.getByText('Cơ quan trên hệ thống', { exact: true }).click();
    await drafter.getByLabel(/000\.00\.14\.H56/).check();
  }
  await drafter.getByLabel('Chức vụ người ký').fill('Chủ tịch');
  await drafter.getByLabel('Họ và tên người ký').fill(LEADER_NAME);
  await drafter.getByLabel('Tệp dự thảo').setInputFiles(decisionPdf('quyet-dinh.pdf', subject.normalize('NFD')));
  await drafter.getByRole('button', { name: 'Tạo dự thảo' }).click();
  await drafter.getByText('Đã tạo dự thảo.').waitFor();
  const url = drafter.url().split('?')[0];
  await drafter.getByRole('button', { name: 'Trình duyệt' }).click();
  await drafter.getByText('Đã trình duyệt dự thảo.').waitFor();
  await drafter.context().close();

  const leader = await official(platform, LEADER);
  await leader.goto(url);
  await leader.getByRole('button', { name: 'Duyệt nội dung' }).click();
  await leader.getByText('Đã duyệt nội dung.').waitFor();
  const clerk = await official(platform, CLERK);
  await clerk.goto(url);
  await clerk.getByRole('button', { name: 'Đạt thể thức' }).click();
  await clerk.getByText('Đã kiểm tra thể thức.').waitFor();
  await leader.goto(url);
  assert.equal(await stateOf(leader), 'Chờ phê duyệt');
  return { url, leader, clerk };
}

/**
 * The leader signs the approved PDF digitally with the platform's key, from the document's
 * page, through the confirmation step: the signed file becomes a new version.
 */
export async function signDigitally(leader, { place = 'Thanh Hóa' } = {}) {
  const panel = leader.getByTestId('doc-sign-digitally');
  await panel.getByLabel('Nơi ký (không bắt buộc)').fill(place);
  // Exactly "Ký số": with a remote-signing provider on, "Ký số từ xa: …" sits next to it.
  await panel.getByRole('button', { name: 'Ký số', exact: true }).click();
  const step = leader.getByTestId('confirm-step');
  await step.getByRole('heading', { name: 'Ký số văn bản?' }).waitFor();
  await step.getByRole('button', { name: 'Ký số', exact: true }).click();
  await leader.getByText('Đã ký số văn bản: bản đã ký được lưu thành phiên bản mới.').waitFor();
}

/** The leader approves ("Phê duyệt, ký") on the document's page. */
export async function approve(leader) {
  await leader.getByRole('button', { name: 'Phê duyệt, ký' }).click();
  await leader.getByText('Đã phê duyệt, ký văn bản.').waitFor();
}

/**
 * The văn thư asks to issue the document on its page, with the seal ticked when asked, and
 * confirms; what follows (issued, or refused) is the caller's to check.
 */
export async function submitIssue(clerk, { seal = false } = {}) {
  if (seal) await clerk.getByLabel('Đóng dấu số của cơ quan', { exact: false }).check();
  await clerk.getByRole('button', { name: 'Cấp số, ban hành' }).click();
  const confirm = clerk.getByTestId('confirm-step');
  await confirm.waitFor();
  await confirm.getByRole('button', { name: 'Cấp số, ban hành' }).click();
}

/** The văn thư issues the document on its page, through the confirmation step, with the seal when asked. */
export async function issue(clerk, { seal = false } = {}) {
  await submitIssue(clerk, { seal });
  await clerk.getByText('Đã cấp số, ban hành văn bản').waitFor();
  return (await clerk.getByTestId('doc-number').textContent()).trim();
}

/** The texts of the signatures shown on `page` (a `signature` test id each). */
export async function signatureTexts(page) {
  const items = page.getByTestId('signature');
  await items.first().waitFor();
  return (await items.allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
}
