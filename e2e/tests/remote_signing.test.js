// Remote signing through the phone in the browser (issue 15, docs/signatures-design.md §4): with
// the test provider on (`signatures.test_remote_provider`), the leader of phường Hạc Thành
// chooses "Ký số từ xa" for the decision awaiting approval, confirms the step, and the session's
// page waits ("Đang chờ xác nhận trên điện thoại…", refreshing itself). On the provider's phone
// page the request shows its title and hash; "Xác nhận ký" there, and the waiting page says the
// document is signed; the document's new version carries the leader's valid signature (PAdES
// B-LT, the demo CA), as its signatures page shows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform } from './harness.js';
import { draftToApproval, signatureTexts, LEADER_NAME } from './drafts.js';

const PROVIDER = 'Ký số từ xa — nhà cung cấp THỬ NGHIỆM (không có giá trị pháp lý)';

let platform;
before(async () => {
  platform = await startPlatform({ env: { TINHSO_SIGNATURES__TEST_REMOTE_PROVIDER: 'true' } });
});
after(async () => { await platform?.stop(); });

test('the leader signs remotely, confirming on the phone page, and the document shows the valid signature', async () => {
  const subject = 'Quyết định ký số từ xa qua điện thoại (minh họa)';
  const { url, leader, clerk } = await draftToApproval(platform, subject);
  await clerk.context().close();

  // The leader chooses the test provider, clearly named, through the confirmation step.
  const panel = leader.getByTestId('doc-sign-digitally');
  await panel.getByLabel('Nơi ký (không bắt buộc)').fill('Thanh Hóa');
  await panel.getByRole('button', { name: `Ký số từ xa: ${PROVIDER}` }).click();
  const step = leader.getByTestId('confirm-step');
  await step.getByRole('heading', { name: 'Ký số văn bản?' }).waitFor();
  await step.getByRole('button').first().click();

  // The session's page waits for the phone, refreshing itself.
  const waiting = leader.getByTestId('rsig-state');
  await waiting.filter({ hasText: 'Đang chờ xác nhận trên điện thoại…' }).waitFor();
  assert.match(leader.url(), /\/office\/signing-sessions\/[0-9a-f-]+$/);
  assert.equal(await leader.locator('meta[http-equiv="refresh"]').count(), 1);
  // Meanwhile the document's page lists the waiting session.
  const documentPage = await leader.context().newPage();
  await documentPage.goto(url);
  await documentPage.getByTestId('doc-pending-signings').getByRole('link', { name: 'Đang chờ xác nhận ký số từ xa' }).waitFor();
  await documentPage.close();

  // The phone (the provider's page, the same signed-in official): the request, its hash; confirmed.
  const phone = await leader.context().newPage();
  await phone.goto('/test-remote-signing/phone');
  await phone.getByText(PROVIDER).waitFor();
  const request = phone.getByTestId('rsig-phone-requests').getByRole('listitem').filter({ hasText: subject });
  await request.waitFor();
  // Only the hash (and the title) reached the provider.
  const digest = (await request.locator('dd.code').textContent()).trim();
  assert.match(digest, /^[0-9a-f]{64}$/);
  await request.getByRole('button', { name: 'Xác nhận ký' }).click();
  await phone.getByTestId('rsig-phone-empty').waitFor();
  await phone.close();

  // The waiting page, refreshing itself, comes to the signature.
  await leader.getByTestId('rsig-state').filter({ hasText: 'Đã ký số thành công' }).waitFor({ timeout: 60000 });
  assert.equal(await leader.locator('meta[http-equiv="refresh"]').count(), 0);
  assert.equal((await leader.locator('dd.code').first().textContent()).trim(), digest, 'the hash the phone showed');
  await leader.getByRole('link', { name: 'Quay lại văn bản' }).first().click();
  await leader.waitForURL(url);
  assert.equal(await leader.getByTestId('doc-pending-signings').count(), 0);

  // The new version carries the leader's signature, valid.
  const signed = leader.getByTestId('doc-versions').getByRole('listitem').filter({ hasText: 'Phiên bản 2: quyet-dinh.signed.pdf' });
  await signed.getByRole('link', { name: 'Kiểm tra chữ ký số' }).click();
  await leader.getByRole('heading', { level: 1, name: 'Chữ ký số' }).waitFor();
  const onPage = await signatureTexts(leader);
  assert.equal(onPage.length, 1, onPage.join('\n'));
  assert.match(onPage[0], new RegExp(`${LEADER_NAME}.*Hợp lệ · PAdES B-LT · DEMO`), onPage[0]);
  await leader.context().close();
});
