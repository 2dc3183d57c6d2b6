// Work files (hồ sơ công việc) and registers in the browser: Sở Tư pháp's document clerk draws up
// next year's file list with a heading and a file (a wrong retention is said in Vietnamese and
// nothing typed is lost), the leader approves it, the clerk opens the file, places a registered
// document in it from the document's page, closes it through the confirmation step and finds
// its export links; then the registers page downloads the incoming register as a PDF.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform, signIn } from './harness.js';

let platform;
before(async () => { platform = await startPlatform(); });
after(async () => { await platform?.stop(); });

const pdf = (name, text) => ({
  name,
  mimeType: 'application/pdf',
  buffer: Buffer.from(`%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n% ${text}\ntrailer<</Root 1 0 R>>\n%%EOF\n`),
});

async function official(email, phone = false) {
  const page = await platform.newPage();
  if (phone) await page.setViewportSize({ width: 360, height: 740 });
  await signIn(page, email);
  await page.waitForURL(/\/office|\/account|\/$/);
  return page;
}

const FILE_TITLE = 'Hồ sơ tuyển dụng công chức năm 2027 (minh họa)';
const SUBJECT = 'Về việc hướng dẫn tuyển dụng công chức năm 2027 (minh họa)';

test('the clerk keeps a year of work files the leader approved, and downloads a register', async () => {
  // The clerk, on a phone, opens "Hồ sơ công việc" from the office home.
  const clerk = await official('vanthu.tuphap@tinhso.local', true);
  await clerk.goto('/office');
  await clerk.getByRole('link', { name: 'Hồ sơ công việc' }).first().click();
  await clerk.getByRole('heading', { level: 1, name: 'Hồ sơ công việc' }).waitFor();
  await clerk.getByRole('heading', { name: 'Danh mục hồ sơ năm 2026' }).waitFor();

  // Next year's list, with one major heading.
  assert.equal(await clerk.getByRole('spinbutton', { name: /^Năm/ }).inputValue(), '2027');
  await clerk.getByLabel('Chữ viết tắt (1)', { exact: true }).fill('TCCB');
  await clerk.getByLabel('Tên đề mục (1)', { exact: true }).fill('Tổ chức cán bộ');
  await clerk.getByRole('button', { name: 'Lập danh mục' }).click();
  await clerk.getByText('Đã lập danh mục hồ sơ.').waitFor();
  await clerk.getByRole('heading', { name: 'Danh mục hồ sơ năm 2027' }).waitFor();
  assert.equal((await clerk.getByTestId('wf-list-state').textContent()).trim(), 'Dự thảo');

  // A file under it: a retention that is not one is refused next to its field.
  await clerk.getByRole('combobox', { name: /^Đề mục lớn/ }).selectOption({ label: 'I. Tổ chức cán bộ (TCCB)' });
  await clerk.getByLabel('Tiêu đề hồ sơ').fill(FILE_TITLE);
  await clerk.getByLabel('Thời hạn bảo quản').fill('mãi mãi');
  await clerk.getByRole('button', { name: 'Thêm hồ sơ vào danh mục' }).click();
  await clerk.locator('#e-file-Maintenance').getByText('Thời hạn bảo quản là “Vĩnh viễn”').waitFor();
  assert.equal(await clerk.getByLabel('Tiêu đề hồ sơ').inputValue(), FILE_TITLE);
  await clerk.getByLabel('Thời hạn bảo quản').fill('20 năm');
  await clerk.getByRole('button', { name: 'Thêm hồ sơ vào danh mục' }).click();
  await clerk.getByText('Đã thêm hồ sơ vào danh mục.').waitFor();
  const row = clerk.getByTestId('wf-files').getByRole('row').filter({ hasText: FILE_TITLE });
  assert.match(await row.textContent(), /01\.TCCB[\s\S]*000\.00\.14\.H56\.2027\.01\.TCCB[\s\S]*20 năm[\s\S]*Chưa mở/);

  // The leader approves the list (the newest year comes first).
  const leader = await official('lanhdao.tuphap@tinhso.local');
  await leader.goto('/office/work-files');
  await leader.getByRole('heading', { name: 'Danh mục hồ sơ năm 2027' }).waitFor();
  await leader.getByRole('button', { name: 'Phê duyệt danh mục' }).click();
  await leader.getByText('Đã phê duyệt danh mục hồ sơ.').waitFor();
  assert.equal((await leader.getByTestId('wf-list-state').textContent()).trim(), 'Đã phê duyệt');

  // The clerk opens the file.
  await clerk.goto('/office/work-files');
  await clerk.getByRole('link', { name: FILE_TITLE }).click();
  await clerk.getByRole('button', { name: 'Mở hồ sơ' }).click();
  await clerk.getByText('Đã mở hồ sơ.').waitFor();
  assert.equal((await clerk.getByTestId('wf-state').textContent()).trim(), 'Đang mở');
  const fileUrl = clerk.url().split('?')[0];

  // A paper arrival, registered, then placed in the file from its own page.
  await clerk.goto('/office/documents/register');
  await clerk.getByLabel('Số, ký hiệu văn bản').fill('27/HD-SNV');
  await clerk.getByLabel(/^Cơ quan ban hành/).fill('Sở Nội vụ (minh họa)');
  await clerk.getByLabel('Ngày ban hành').fill('2026-11-20');
  await clerk.getByLabel('Trích yếu nội dung').fill(SUBJECT);
  await clerk.getByLabel('Tệp văn bản (bản quét)').setInputFiles(pdf('huong-dan.pdf', 'Huong dan'));
  await clerk.getByRole('button', { name: 'Vào sổ', exact: true }).click();
  await clerk.getByText('Đã vào sổ văn bản đến.').waitFor();
  const placing = clerk.getByTestId('doc-work-files');
  await placing.getByLabel('Đưa vào hồ sơ').selectOption({ label: `01.TCCB — ${FILE_TITLE}` });
  await placing.getByRole('button', { name: 'Đưa vào hồ sơ' }).click();
  await clerk.getByText('Đã đưa văn bản vào hồ sơ.').waitFor();

  // The file lists it; closing asks first, then the export links are there.
  await clerk.getByTestId('doc-work-files').getByRole('link', { name: FILE_TITLE }).click();
  await clerk.getByTestId('wf-documents').getByRole('link', { name: SUBJECT }).waitFor();
  assert.equal(clerk.url().split('?')[0], fileUrl);
  await clerk.getByRole('button', { name: 'Đóng hồ sơ' }).click();
  await clerk.getByTestId('confirm-step').waitFor();
  await clerk.getByRole('button', { name: 'Đóng hồ sơ' }).click();
  await clerk.getByText('Đã đóng hồ sơ.').waitFor();
  assert.equal((await clerk.getByTestId('wf-state').textContent()).trim(), 'Đã đóng');
  const exports = clerk.getByTestId('wf-exports');
  assert.match(await exports.getByRole('link', { name: 'Tải hồ sơ (PDF)' }).getAttribute('href'), /\/export\.pdf$/);
  assert.match(await exports.getByRole('link', { name: 'Tải dữ liệu đặc tả (XML)' }).getAttribute('href'), /\/export\.xml$/);

  // The incoming register of this year, as a PDF.
  await clerk.goto('/office/documents');
  await clerk.getByRole('link', { name: 'Sổ đăng ký văn bản', exact: true }).click();
  await clerk.getByLabel('Sổ đăng ký văn bản đến').check();
  const [download] = await Promise.all([
    clerk.waitForEvent('download'),
    clerk.getByRole('button', { name: 'Tải PDF' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^so-van-ban-den-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.pdf$/);
  const response = await clerk.request.get(download.url());
  assert.equal(response.status(), 200);
  assert.equal(response.headers()['content-type'], 'application/pdf');
  assert.equal((await response.body()).subarray(0, 4).toString(), '%PDF');
});
