// The recall of a document across platforms in the browser (issue 15, docs/signatures-design.md
// §7 "Recall"): phường Hạc Thành on platform A issues decisions to Văn phòng Chính phủ on
// platform B (two tinhso processes peered as in exchange.test.js, through exchange_peers.js) and
// later recalls them (edXML status 13). B's văn thư sees each request in the incoming register
// and on the document's page, and answers it: "Không đồng ý thu hồi" without a reason is refused
// with the page's Vietnamese message, then with a reason it goes back to A as 16, which A's page
// shows with that reason; "Đồng ý thu hồi" withdraws the copy and A's page says "Nơi nhận đã thu
// hồi" (15). A copy returned to its sender while its recall waits ("Trả lại nơi gửi") settles the
// request: B's page says why it can no longer be answered, and A's page shows the recall refused
// because the document went back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPeers, VPCP, B_CLERK } from './exchange_peers.js';
import { official, eventually, draftToApproval, approve, issue, stateOf } from './drafts.js';

let peers;
let a;
let b;
before(async () => {
  peers = await startPeers();
  ({ a, b } = peers);
});
after(async () => { await peers?.stop(); });

const logs = () => `A's log:\n${a.log()}\nB's log:\n${b.log()}`;

/** Issues a decision of phường Hạc Thành to Văn phòng Chính phủ on B and waits until B registered it: A's văn thư's page. */
async function issuedToB(subject) {
  const { url, leader, clerk } = await draftToApproval(a, subject, { outside: `${VPCP} Văn phòng Chính phủ` });
  await approve(leader);
  await leader.context().close();
  await clerk.goto(url);
  await issue(clerk);
  await eventually(clerk, clerk.getByTestId('doc-exchange-status').filter({ hasText: 'Đã vào sổ' }), 90, `"Đã vào sổ" for “${subject}” (${logs()})`);
  return clerk;
}

/** A's văn thư recalls the document open on `clerk`, through the confirmation step. */
async function recall(clerk) {
  await clerk.getByRole('button', { name: 'Thu hồi', exact: true }).click();
  const step = clerk.getByTestId('confirm-step');
  await step.getByRole('heading', { name: 'Thu hồi văn bản?' }).waitFor();
  await step.getByRole('button', { name: 'Thu hồi văn bản' }).click();
  await clerk.getByText('Đã thu hồi văn bản.').waitFor();
  assert.equal((await clerk.getByTestId('doc-exchange-recall').textContent()).trim(), 'Đã đề nghị thu hồi');
}

/** B's văn thư finds the request in the incoming register and opens the document from it. */
async function openRequest(receiver, subject) {
  await receiver.goto('/office/documents/incoming');
  const requests = receiver.getByTestId('recall-requests');
  await eventually(receiver, requests.getByRole('link', { name: subject }), 90, `the recall request for “${subject}” on B (${logs()})`);
  await requests.getByRole('link', { name: subject }).click();
  await receiver.getByRole('heading', { level: 1, name: subject }).waitFor();
  const request = receiver.getByTestId('doc-recall-request');
  await request.getByRole('heading', { name: 'Đề nghị thu hồi văn bản' }).waitFor();
  assert.match(await request.textContent(), /Ủy ban nhân dân phường Hạc Thành/);
  return request;
}

test('the receiving văn thư refuses one recall with a reason and accepts another; the sender sees each answer', async () => {
  const refused = 'Quyết định phân bổ kinh phí liên thông (minh họa)';
  const accepted = 'Quyết định điều chỉnh kế hoạch liên thông (minh họa)';
  const first = await issuedToB(refused);
  const second = await issuedToB(accepted);
  await recall(first);
  await recall(second);

  const receiver = await official(b, B_CLERK);
  // Refused without a reason: the page says one is needed, and nothing is decided.
  let request = await openRequest(receiver, refused);
  await request.getByLabel('Lý do không đồng ý').fill('   ');
  await request.getByRole('button', { name: 'Không đồng ý thu hồi' }).click();
  request = receiver.getByTestId('doc-recall-request');
  await request.getByText('Hãy nêu lý do không đồng ý thu hồi: lý do được gửi lại cơ quan đề nghị.').waitFor();
  assert.equal(await stateOf(receiver), 'Đã vào sổ');
  // With the reason: refused, the copy kept.
  const reason = 'Văn bản đang được tổ chức thực hiện, đề nghị giữ lại';
  await request.getByLabel('Lý do không đồng ý').fill(reason);
  await request.getByRole('button', { name: 'Không đồng ý thu hồi' }).click();
  await receiver.getByText('Đã từ chối thu hồi văn bản; lý do được gửi lại nơi gửi.').waitFor();
  assert.equal(await receiver.getByTestId('doc-recall-request').count(), 0);
  assert.equal(await stateOf(receiver), 'Đã vào sổ');

  // The other one: accepted, the copy withdrawn.
  request = await openRequest(receiver, accepted);
  await request.getByRole('button', { name: 'Đồng ý thu hồi', exact: true }).click();
  await receiver.getByText('Đã đồng ý thu hồi văn bản; nơi gửi được báo.').waitFor();
  assert.equal(await stateOf(receiver), 'Đã thu hồi');
  await receiver.goto('/office/documents/incoming');
  assert.equal(await receiver.getByTestId('recall-requests').count(), 0, 'no request left waiting');
  await receiver.context().close();

  // A: each document's page shows B's answer, the refusal with its reason.
  const refusal = first.getByTestId('doc-exchange-recall').filter({ hasText: 'Nơi nhận từ chối thu hồi' });
  await eventually(first, refusal, 90, `the refusal on A (${logs()})`);
  assert.match(await first.getByTestId('doc-delivery').textContent(), new RegExp(reason));
  const acceptance = second.getByTestId('doc-exchange-recall').filter({ hasText: 'Nơi nhận đã thu hồi' });
  await eventually(second, acceptance, 90, `the acceptance on A (${logs()})`);
  await first.context().close();
  await second.context().close();
});

test('a copy returned while its recall waits settles the request, and the sender is told why', async () => {
  const subject = 'Công văn gửi nhầm cơ quan, thu hồi khi đang chờ (minh họa)';
  const sender = await issuedToB(subject);
  await recall(sender);

  const receiver = await official(b, B_CLERK);
  await openRequest(receiver, subject);
  // Before answering the recall, B's văn thư returns the copy to its sender.
  const giveBack = receiver.getByTestId('doc-processing');
  await giveBack.getByLabel('Lý do trả lại').fill('Văn bản không thuộc thẩm quyền giải quyết của cơ quan');
  await giveBack.getByRole('button', { name: 'Trả lại nơi gửi' }).click();
  await receiver.getByText('Đã trả lại văn bản cho nơi gửi.').waitFor();
  assert.equal(await stateOf(receiver), 'Đã trả lại');
  // The request can no longer be answered, and the page says why.
  const request = receiver.getByTestId('doc-recall-request');
  const closed = request.getByTestId('doc-recall-closed');
  await closed.waitFor();
  assert.match(await closed.textContent(), /Đề nghị thu hồi không còn chờ trả lời: Văn bản đã được trả lại nơi gửi nên không còn để thu hồi\./);
  assert.equal(await request.getByRole('button').count(), 0);
  await receiver.goto('/office/documents/incoming');
  assert.equal(await receiver.getByTestId('recall-requests').getByRole('link', { name: subject }).count(), 0, 'not among the requests waiting');
  await receiver.context().close();

  // A: returned (02, with B's reason) and the recall refused because it went back (16).
  const refusal = sender.getByTestId('doc-exchange-recall').filter({ hasText: 'Nơi nhận từ chối thu hồi' });
  await eventually(sender, refusal, 90, `the refusal on A (${logs()})`);
  const delivery = await sender.getByTestId('doc-delivery').textContent();
  assert.match(delivery, /Văn bản đã được trả lại nơi gửi nên không còn để thu hồi/);
  assert.match(delivery, /không thuộc thẩm quyền/);
  await sender.context().close();
});
