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
import { startPeers, VPCP, B_CLERK } from './exchange_peers.js';
import { official, eventually, draftToApproval, approve, issue, LEADER_NAME, AGENCY } from './drafts.js';

let peers;
let a;
let b;
before(async () => {
  peers = await startPeers();
  ({ a, b } = peers);
});
after(async () => { await peers?.stop(); });

test('signed and sealed on one platform, the decision is received and its signatures verified on the other', async () => {
  const subject = 'Quyết định về việc liên thông văn bản điện tử (minh họa)';
  // A: drafted to an agency of platform B, typed by its code; reviewed and form-checked.
  const { url, leader, clerk } = await draftToApproval(a, subject, { outside: `${VPCP} Văn phòng Chính phủ` });

  // The leader signs the PDF digitally, asked first, then approves.
  await leader.goto(url);
  const panel = leader.getByTestId('doc-sign-digitally');
  await panel.getByLabel('Nơi ký (không bắt buộc)').fill('Thanh Hóa');
  await panel.getByRole('button', { name: 'Ký số' }).click();
  const step = leader.getByTestId('confirm-step');
  await step.getByRole('heading', { name: 'Ký số văn bản?' }).waitFor();
  await step.getByRole('button', { name: 'Ký số' }).click();
  await leader.getByText('Đã ký số văn bản: bản đã ký được lưu thành phiên bản mới.').waitFor();
  await approve(leader);
  await leader.context().close();

  // The văn thư issues it with the agency's digital seal: it leaves through the exchange.
  await clerk.goto(url);
  const number = await issue(clerk, { seal: true });
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
