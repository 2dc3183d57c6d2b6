// The agency's seal from a remote-signing provider in the browser (issue 15,
// docs/signatures-design.md §4): with the test provider on (`signatures.test_remote_provider`),
// the leader of phường Hạc Thành signs a decision digitally and approves it; its văn thư ticks
// "Đóng dấu số của cơ quan", chooses the agency's key at the test provider ("Khóa của cơ quan"),
// confirms the step and lands on the signing session's page, which waits for the phone. The
// number is reserved meanwhile: the document's page says so and the document is not yet issued.
// On the văn thư's phone page the request reads "Đóng dấu số: <number> — <subject>"; "Xác nhận
// ký" there and the waiting page says it is signed: the document is issued on the reserved
// number, its new version carrying the leader's signature and the agency's, both valid.
// "Từ chối" on the phone leaves the document approved and its reserved number not used: the
// next issue (with the server's key) takes the number after it, the refused one never reused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform } from './harness.js';
import {
  stateOf, draftToApproval, signDigitally, approve, submitIssue, signatureTexts, LEADER_NAME, AGENCY,
} from './drafts.js';

const PROVIDER = 'Ký số từ xa — nhà cung cấp THỬ NGHIỆM (không có giá trị pháp lý)';
const SERVER_KEY = 'Trên máy chủ của nền tảng (HSM hoặc khóa do nền tảng giữ)';
const REMOTE_KEY = `${PROVIDER} — văn thư xác nhận trên điện thoại`;
const WAITING = 'Đang chờ xác nhận trên điện thoại…';
// The poll asks the provider every 3 seconds; the waiting page refreshes itself.
const POLL = 60000;

let platform;
before(async () => {
  platform = await startPlatform({ env: { TINHSO_SIGNATURES__TEST_REMOTE_PROVIDER: 'true' } });
});
after(async () => { await platform?.stop(); });

const escaped = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A decision the leader signed digitally (server key) and approved: its address and the văn thư's page on it. */
async function signedAndApproved(subject) {
  const { url, leader, clerk } = await draftToApproval(platform, subject);
  await signDigitally(leader);
  await leader.getByRole('link', { name: /Phiên bản 2: quyet-dinh\.signed\.pdf/ }).waitFor();
  await approve(leader);
  assert.equal(await stateOf(leader), 'Đã ký duyệt');
  await leader.context().close();
  await clerk.goto(url);
  return { url, clerk };
}

/**
 * The văn thư asks for the issue with the agency's seal at the test provider, through the
 * confirmation step, and lands on the session's waiting page: the number reserved, as the
 * page's "Nội dung ký" reads it ("Đóng dấu số: <number> — <subject>").
 */
async function issueWithRemoteSeal(clerk, subject) {
  const form = clerk.getByTestId('doc-actions');
  await form.getByTestId('doc-issue-seal').check();
  const key = form.getByLabel('Khóa của cơ quan');
  assert.equal(await key.getAttribute('data-testid'), 'doc-issue-seal-key');
  await key.selectOption('remote:test');
  await clerk.getByRole('button', { name: 'Cấp số, ban hành' }).click();
  const step = clerk.getByTestId('confirm-step');
  await step.waitFor();
  assert.match(await step.textContent(), new RegExp(escaped(subject)));
  await step.getByRole('button', { name: 'Cấp số, ban hành' }).click();

  await clerk.getByTestId('rsig-state').filter({ hasText: WAITING }).waitFor();
  assert.match(clerk.url(), /\/office\/signing-sessions\/[0-9a-f-]+$/);
  assert.equal(await clerk.locator('meta[http-equiv="refresh"]').count(), 1, 'the waiting page refreshes itself');
  assert.equal(await clerk.getByTestId('rsig-state').getAttribute('data-state'), 'pending');
  const what = (await clerk.getByText(/^Đóng dấu số: /).textContent()).trim();
  const [, number, about] = what.match(/^Đóng dấu số: (\S+) — (.+)$/) || [];
  assert.ok(number, what);
  assert.match(number, /^\d+\/QĐ-\S+$/);
  assert.equal(about, subject);
  return number;
}

/** The document's page (another tab) while the seal waits: the reserved number, not yet issued. */
async function checkWaiting(clerk, url, number) {
  const documentPage = await clerk.context().newPage();
  await documentPage.goto(url);
  const notice = documentPage.getByTestId('doc-seal-waiting');
  await notice.waitFor();
  assert.equal(
    (await notice.textContent()).trim(),
    `Đang chờ đóng dấu số với số ${number} đã giữ: văn bản được ban hành khi chữ ký của cơ quan về.`,
  );
  assert.equal(await stateOf(documentPage), 'Đã ký duyệt');
  assert.equal((await documentPage.getByTestId('doc-number').textContent()).trim(), 'Chưa cấp số');
  await documentPage.getByTestId('doc-pending-signings').getByRole('link', { name: 'Đang chờ xác nhận ký số từ xa' }).waitFor();
  await documentPage.close();
}

/** The văn thư's phone page: the seal's request, titled with the number and subject; `answer` clicked. */
async function answerOnPhone(clerk, number, subject, answer) {
  const phone = await clerk.context().newPage();
  await phone.goto('/test-remote-signing/phone');
  await phone.getByText(PROVIDER).waitFor();
  const request = phone.getByTestId('rsig-phone-requests').getByRole('listitem').filter({ hasText: subject });
  await request.waitFor();
  const title = (await request.getByRole('heading', { level: 2 }).textContent()).trim();
  assert.ok(title.startsWith('Đóng dấu số:'), title);
  assert.equal(title, `Đóng dấu số: ${number} — ${subject}`);
  assert.match((await request.locator('dd.code').textContent()).trim(), /^[0-9a-f]{64}$/);
  await request.getByRole('button', { name: answer }).click();
  await phone.getByTestId('rsig-phone-empty').waitFor();
  await phone.close();
}

/** The number after `number` in the same register: `05/QĐ-UBND` → `06/QĐ-UBND`. */
function following(number) {
  const [n, ...rest] = number.split('/');
  return [String(Number(n) + 1).padStart(n.length, '0'), ...rest].join('/');
}

test('the văn thư seals at the remote provider, confirming on the phone: issued on the reserved number with both signatures valid', async () => {
  const subject = 'Quyết định đóng dấu số từ xa qua điện thoại (minh họa)';
  const { url, clerk } = await signedAndApproved(subject);

  // The issue form offers the seal, where the agency's key is, and the desk token's command.
  const form = clerk.getByTestId('doc-actions');
  await form.getByLabel('Đóng dấu số của cơ quan (ký số bằng chứng thư số của cơ quan)').waitFor();
  const options = (await form.getByTestId('doc-issue-seal-key').locator('option').allTextContents()).map((s) => s.trim());
  assert.deepEqual(options, [SERVER_KEY, REMOTE_KEY]);
  assert.match(await form.getByTestId('doc-seal-desk-command').textContent(), /tinhso desk-sign .*--seal/s);

  const number = await issueWithRemoteSeal(clerk, subject);
  await checkWaiting(clerk, url, number);
  await answerOnPhone(clerk, number, subject, 'Xác nhận ký');

  // The waiting page, refreshing itself, comes to the signature.
  await clerk.getByTestId('rsig-state').filter({ hasText: 'Đã ký số thành công' }).waitFor({ timeout: POLL });
  assert.equal(await clerk.getByTestId('rsig-state').getAttribute('data-state'), 'signed');
  assert.equal(await clerk.locator('meta[http-equiv="refresh"]').count(), 0);
  await clerk.getByRole('link', { name: 'Quay lại văn bản' }).first().click();
  await clerk.waitForURL(url);

  // Issued on the reserved number; nothing waits any more.
  assert.equal(await stateOf(clerk), 'Đã ban hành');
  assert.equal((await clerk.getByTestId('doc-number').textContent()).trim(), number);
  assert.equal(await clerk.getByTestId('doc-seal-waiting').count(), 0);
  assert.equal(await clerk.getByTestId('doc-pending-signings').count(), 0);

  // The sealed version carries the leader's signature, then the agency's: both valid.
  const versions = clerk.getByTestId('doc-versions').getByRole('listitem');
  assert.equal(await versions.count(), 3);
  const sealed = versions.filter({ hasText: 'Phiên bản 3: quyet-dinh.issued.pdf' });
  await sealed.getByRole('link', { name: 'Kiểm tra chữ ký số' }).click();
  await clerk.getByRole('heading', { level: 1, name: 'Chữ ký số' }).waitFor();
  const onPage = await signatureTexts(clerk);
  assert.equal(onPage.length, 2, onPage.join('\n'));
  assert.match(onPage[0], new RegExp(`${LEADER_NAME}.*Hợp lệ · PAdES B-LT · DEMO`), onPage[0]);
  assert.match(onPage[1], new RegExp(`${AGENCY}.*Hợp lệ · PAdES B-LT · DEMO`), onPage[1]);
  await clerk.context().close();
});

test('refused on the phone: the document stays approved and the next issue takes the next number, the refused one never reused', async () => {
  const subject = 'Quyết định từ chối đóng dấu số trên điện thoại (minh họa)';
  const { url, clerk } = await signedAndApproved(subject);

  const reserved = await issueWithRemoteSeal(clerk, subject);
  await checkWaiting(clerk, url, reserved);
  await answerOnPhone(clerk, reserved, subject, 'Từ chối');

  // The waiting page, refreshing itself, says it was refused.
  const refused = clerk.getByTestId('rsig-state').filter({ hasText: 'Người ký đã từ chối ký trên điện thoại' });
  await refused.waitFor({ timeout: POLL });
  assert.equal(await refused.getAttribute('data-state'), 'refused');
  assert.equal(await clerk.locator('meta[http-equiv="refresh"]').count(), 0);
  await clerk.getByRole('link', { name: 'Quay lại văn bản' }).first().click();
  await clerk.waitForURL(url);

  // Still approved, nothing waits, and the issue is offered again.
  assert.equal(await stateOf(clerk), 'Đã ký duyệt');
  assert.equal((await clerk.getByTestId('doc-number').textContent()).trim(), 'Chưa cấp số');
  assert.equal(await clerk.getByTestId('doc-seal-waiting').count(), 0);
  assert.equal(await clerk.getByTestId('doc-pending-signings').count(), 0);
  assert.equal(await clerk.getByTestId('doc-versions').getByRole('listitem').count(), 2);
  await clerk.getByRole('button', { name: 'Cấp số, ban hành' }).waitFor();

  // Issued with the seal on the server's key: the number after the refused one.
  await clerk.getByTestId('doc-issue-seal-key').selectOption('server');
  await submitIssue(clerk, { seal: true });
  await clerk.getByText('Đã cấp số, ban hành văn bản').waitFor();
  assert.equal(await stateOf(clerk), 'Đã ban hành');
  const number = (await clerk.getByTestId('doc-number').textContent()).trim();
  assert.equal(number, following(reserved), `${reserved} was refused on the phone: it is not used again`);
  assert.notEqual(number, reserved);
  const sealed = clerk.getByTestId('doc-versions').getByRole('listitem').filter({ hasText: 'Phiên bản 3: quyet-dinh.issued.pdf' });
  await sealed.getByRole('link', { name: 'Kiểm tra chữ ký số' }).click();
  const onPage = await signatureTexts(clerk);
  assert.equal(onPage.length, 2, onPage.join('\n'));
  assert.match(onPage[1], new RegExp(`${AGENCY}.*Hợp lệ · PAdES B-LT · DEMO`), onPage[1]);
  await clerk.context().close();
});
