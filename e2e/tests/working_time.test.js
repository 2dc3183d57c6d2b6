// Working time officials can trust: a clerk who accepts a one-working-day dossier sees the time
// left in working days and hours, and no "due soon or overdue — write an apology" alert; a
// dossier genuinely past its appointment does raise it, and sits in the overdue queue; an
// administrator enters the year's holiday notice with a form.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startPlatform, signIn, enrolTotp } from './harness.js';

let platform;
before(async () => { platform = await startPlatform(); });
after(async () => { await platform?.stop(); });

const pdf = (text) => ({ name: 'giay-to.pdf', mimeType: 'application/pdf', buffer: Buffer.from(`%PDF-1.4\n${text}\n%%EOF\n`) });

/** Runs one SQL statement on the platform's database, as time passing would change it. */
function sql(statement) {
  if (platform.databaseUrl) {
    execFileSync('psql', [platform.databaseUrl, '-qtAc', statement]);
  } else {
    // The server's job runner may hold the write lock a moment: wait for it, as the server would.
    execFileSync('sqlite3', ['-cmd', '.timeout 10000', join(platform.dir, 'tinhso.db'), statement]);
  }
}

test('a clerk accepting a one-day dossier gets no false alarm; an overdue one raises it', async () => {
  const citizen = await platform.newPage();
  await signIn(citizen, 'congdan@tinhso.local');
  await citizen.goto('/procedures/1.001193/apply');
  await citizen.getByLabel('Cơ quan tiếp nhận').selectOption({ label: 'Ủy ban nhân dân phường Hạc Thành' });
  await citizen.getByLabel('Họ và tên người yêu cầu').fill('Trần Văn Bình');
  await citizen.getByLabel('Số căn cước công dân').fill('038090000333');
  await citizen.getByLabel('Nơi cư trú').fill('Số 9, phố Lê Lai, phường Hạc Thành');
  await citizen.getByLabel('Họ và tên trẻ').fill('Trần Minh Đức');
  await citizen.getByLabel('Ngày sinh của trẻ').fill('2026-11-21');
  await citizen.getByLabel('Giới tính của trẻ').selectOption('Nam');
  await citizen.getByLabel('Nơi sinh').fill('Bệnh viện Đa khoa tỉnh Thanh Hóa');
  await citizen.getByLabel('Giấy chứng sinh').setInputFiles(pdf('Giay chung sinh'));
  await citizen.getByRole('button', { name: 'Nộp hồ sơ', exact: true }).click();
  await citizen.getByText('Đã nộp hồ sơ thành công').waitFor();
  const code = (await citizen.getByTestId('dossier-code').textContent()).trim();

  const clerk = await platform.newPage();
  await signIn(clerk, 'motcua.hacthanh@tinhso.local');
  await clerk.waitForURL(/\/office|\/account|\/$/);
  await clerk.goto('/office/dossiers?queue=new');
  await clerk.getByRole('link', { name: code }).click();
  await clerk.getByRole('button', { name: 'Tiếp nhận', exact: true }).click();
  await clerk.getByTestId('dossier-state').getByText('Đang xử lý').waitFor();

  // One working day to go (a little less once the clock runs): on track, no apology prompt.
  assert.equal(await clerk.getByTestId('apology-prompt').count(), 0);
  assert.equal((await clerk.getByTestId('dossier-deadline').textContent()).trim(), 'Trong hạn');
  assert.match(await clerk.getByTestId('dossier-remaining').textContent(), /^còn (1 ngày|7 giờ( \d+ phút)?) làm việc$/);
  // The appointment is the end of a working day's office time, never "07:30" of a later day.
  assert.doesNotMatch(await clerk.getByTestId('dossier-due').textContent(), /07:30$/);
  await clerk.goto('/office/dossiers?queue=due_soon');
  assert.equal(await clerk.getByRole('link', { name: code }).count(), 0);

  // Time passes: the appointment was yesterday's closing time.
  const yesterday = new Date(Date.now() + 7 * 3600e3 - 24 * 3600e3).toISOString().slice(0, 10);
  sql(`UPDATE dossiers SET due_local = '${yesterday}T17:00:00' WHERE code = '${code}'`);
  await clerk.goto('/office/dossiers?queue=overdue');
  await clerk.getByRole('link', { name: code }).click();
  await clerk.getByTestId('apology-prompt').waitFor();
  assert.match(await clerk.getByTestId('apology-prompt').textContent(), /mẫu 04/);
  assert.equal((await clerk.getByTestId('dossier-deadline').textContent()).trim(), 'Quá hạn');
  assert.match(await clerk.getByTestId('dossier-remaining').textContent(), /^quá hạn .* làm việc$/);
});

test('an administrator enters the year\'s notice with a form, in Vietnamese, and a mistake loses nothing', async () => {
  // The shared PostgreSQL database may hold an earlier journey's second factor for this account.
  sql("UPDATE users SET totp_secret = NULL, totp_enabled = 0 WHERE email = 'admin@tinhso.local'");
  const admin = await platform.newPage();
  await admin.setViewportSize({ width: 360, height: 740 });
  await signIn(admin, 'admin@tinhso.local');
  await enrolTotp(admin);
  await admin.goto('/admin/calendar?year=2027');
  await admin.getByLabel('Số, ký hiệu văn bản thông báo').fill('Thông báo nghỉ lễ năm 2027');
  await admin.getByLabel('Ngày đi làm bù').first().fill('20/02/2027');
  await admin.getByLabel('Ngày được nghỉ').first().fill('12/02/2027x');
  await admin.getByRole('button', { name: 'Lưu thông báo', exact: true }).click();
  await admin.getByRole('alert').getByText('Ngày nghỉ hoán đổi không hợp lệ (ngày/tháng/năm).').waitFor();
  assert.equal(await admin.getByLabel('Số, ký hiệu văn bản thông báo').inputValue(), 'Thông báo nghỉ lễ năm 2027');
  assert.equal(await admin.getByLabel('Ngày đi làm bù').first().inputValue(), '20/02/2027');
  await admin.getByLabel('Ngày được nghỉ').first().fill('12/02/2027');
  await admin.getByRole('button', { name: 'Lưu thông báo', exact: true }).click();
  await admin.getByTestId('holidays').getByText('12/02/2027 — Nghỉ do hoán đổi ngày làm việc').waitFor();
});
