// A citizen learns in the platform itself that an official acted on their dossier: the inbox
// badge in the menu of every page, the inbox, the notice's link to the dossier, and the badge
// gone once the notice is read. On a phone-sized screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform, signIn } from './harness.js';

let platform;
before(async () => { platform = await startPlatform(); });

// Notices are written when the job runner delivers the event, moments after the request that
// caused it: open the page again, as a person refreshing would, until the badge shows `n`.
async function openUntilUnread(page, path, n) {
  for (let tries = 0; tries < 40; tries++) {
    await page.goto(path);
    const badge = page.getByTestId('unread');
    if ((await badge.count()) > 0 && (await badge.textContent()).trim() === String(n)) return;
    await page.waitForTimeout(250);
  }
  assert.fail(`no badge of ${n} on ${path} after 10 s`);
}
after(async () => { await platform?.stop(); });

test('a citizen sees the inbox badge after the desk accepts their dossier, follows the notice, and the badge goes', async () => {
  const citizen = await platform.newPage();
  await citizen.setViewportSize({ width: 360, height: 740 });
  await signIn(citizen, 'congdan@tinhso.local');
  await citizen.waitForURL((u) => !u.pathname.startsWith('/login'));
  await citizen.goto('/dossiers');
  assert.equal(await citizen.getByTestId('unread').count(), 0, 'nothing unread yet');

  // The citizen files a dossier through the API with their session, as the portal's app would.
  const csrf = await citizen.locator('input[name="_csrf"]').first().getAttribute('value');
  const filed = await citizen.request.post('/api/v1/dossiers', {
    headers: { 'x-csrf-token': csrf, 'idempotency-key': 'inbox-journey' },
    data: {
      procedure: '1.000775', agency: '000.00.60.H56',
      answers: { ho_ten: 'Nguyễn Văn An', cccd: '038090000111', dia_chi: 'Phường Hạc Thành', muc_dich: 'Kết hôn' },
    },
  });
  assert.equal(filed.status(), 201, await filed.text());
  const { id, code } = await filed.json();

  // The receipt is a notice of its own; the citizen reads it first.
  await openUntilUnread(citizen, '/dossiers', 1);
  await citizen.getByRole('link', { name: 'Hộp thư, 1 thông báo chưa đọc' }).click();
  await citizen.getByRole('heading', { level: 1, name: 'Hộp thư' }).waitFor();
  await citizen.getByRole('link', { name: `Đã nhận hồ sơ ${code}` }).click();
  await citizen.waitForURL(`**/dossiers/${id}`);
  assert.equal(await citizen.getByTestId('unread').count(), 0, 'read once opened');

  // The ward's desk accepts the dossier.
  const clerk = await platform.newPage();
  await signIn(clerk, 'motcua.hacthanh@tinhso.local');
  await clerk.waitForURL(/\/office|\/account|\/$/);
  await clerk.goto('/office/dossiers?queue=new');
  await clerk.getByRole('link', { name: code }).click();
  await clerk.getByRole('button', { name: 'Tiếp nhận', exact: true }).click();
  await clerk.getByTestId('dossier-state').getByText('Đang xử lý').waitFor();

  // Any page the citizen opens now shows the badge, with its number spoken.
  await openUntilUnread(citizen, '/procedures', 1);
  await citizen.getByRole('link', { name: 'Hộp thư, 1 thông báo chưa đọc' }).click();
  const notice = citizen.getByRole('link', { name: `Hồ sơ ${code} đã được tiếp nhận` });
  await notice.waitFor();
  await citizen.getByText('Ngày hẹn trả kết quả').first().waitFor();
  await notice.click();
  await citizen.waitForURL(`**/dossiers/${id}`);
  await citizen.getByText('Đang xử lý').first().waitFor();
  assert.equal(await citizen.getByTestId('unread').count(), 0, 'the badge is gone');
  await citizen.getByRole('link', { name: 'Hộp thư', exact: true }).waitFor();

  // The email went out as well.
  const link = await platform.linkFromEmail('congdan@tinhso.local', 'đã được tiếp nhận');
  assert.ok(link.includes(`/track?code=${code}`));
});
