// Citizen feedback in the browser: a report with a photo is routed to the ward, answered,
// shown on the public page and rated by the reporter.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform, signIn } from './harness.js';

let platform;
before(async () => { platform = await startPlatform(); });
after(async () => { await platform?.stop(); });

function jpegWithLocation() {
  const exif = Buffer.from('Exif\0\0MM\0*\0\0\0\x08\0\0GPS-19.8067-105.7852', 'binary');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(exif.length + 2);
  return Buffer.concat([Buffer.from([0xFF, 0xD8, 0xFF, 0xE1]), len, exif, Buffer.from([0xFF, 0xDA, 0x00, 0x02, 0x00, 0xFF, 0xD9])]);
}

test('a pothole report with a photo is routed, answered in public and rated', async () => {
  const citizen = await platform.newPage();
  await citizen.setViewportSize({ width: 360, height: 740 });
  await signIn(citizen, 'congdan@tinhso.local');
  await citizen.goto('/feedback');
  await citizen.getByRole('link', { name: 'Gửi phản ánh' }).first().click();
  await citizen.getByLabel('Lĩnh vực').selectOption({ label: 'Giao thông, đường sá' });
  await citizen.getByLabel('Tiêu đề').fill('Ổ gà lớn trên đường Lê Lai');
  await citizen.getByLabel('Nội dung phản ánh').fill('Trước số 12 đường Lê Lai có ổ gà sâu, xe máy đã ngã hai lần.');
  await citizen.getByLabel('Địa bàn').selectOption({ label: 'Phường Hạc Thành' });
  // The point is picked on the map: a tap fills in the coordinates.
  await citizen.getByRole('button', { name: 'Chọn trên bản đồ' }).click();
  const map = citizen.locator('#location-map.leaflet-container');
  await map.waitFor();
  await map.click({ position: { x: 150, y: 100 } });
  const lat = Number(await citizen.getByLabel('Vĩ độ').inputValue());
  const lon = Number(await citizen.getByLabel('Kinh độ').inputValue());
  assert.ok(Math.abs(lat - 19.8067) < 0.05 && Math.abs(lon - 105.7852) < 0.05, `picked ${lat}, ${lon}`);
  await citizen.getByLabel('Ảnh (tối đa 5)').setInputFiles({ name: 'o-ga.jpg', mimeType: 'image/jpeg', buffer: jpegWithLocation() });
  await citizen.getByRole('button', { name: 'Gửi phản ánh', exact: true }).click();
  const code = (await citizen.getByTestId('feedback-code').textContent()).trim();
  assert.match(code, /^PA-\d{6}-\d{4}$/);
  await citizen.getByTestId('feedback-status').getByText('Đã phân công').waitFor();
  const photo = await citizen.request.get(await citizen.locator('main img').first().getAttribute('src'));
  assert.ok(!(await photo.body()).toString('binary').includes('GPS-19.8067'), 'the photo lost its location');

  const ward = await platform.newPage();
  await signIn(ward, 'motcua.hacthanh@tinhso.local');
  await ward.goto('/office/feedback');
  await ward.getByRole('link', { name: code }).click();
  await ward.getByRole('button', { name: 'Tiếp nhận xử lý' }).click();
  await ward.getByLabel('Trả lời của cơ quan').fill('Phường đã vá ổ gà ngày 25/11, mời bà con kiểm tra.');
  await ward.getByLabel('Tệp kèm theo trả lời').setInputFiles({ name: 'bien-ban-nghiem-thu.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\nBien ban\n%%EOF\n') });
  await ward.getByRole('button', { name: 'Gửi trả lời công khai' }).click();
  await ward.getByTestId('feedback-status').getByText('Đã trả lời').waitFor();

  const stranger = await platform.newPage();
  await stranger.goto('/feedback?status=answered');
  await stranger.getByRole('link', { name: 'Ổ gà lớn trên đường Lê Lai' }).click();
  await stranger.getByTestId('feedback-answer').getByText('đã vá ổ gà').waitFor();
  await stranger.getByTestId('feedback-point').getByText(String(lat)).waitFor();
  const download = stranger.waitForEvent('download');
  await stranger.getByRole('link', { name: 'bien-ban-nghiem-thu.pdf' }).click();
  assert.equal((await download).suggestedFilename(), 'bien-ban-nghiem-thu.pdf');
  assert.ok(!(await stranger.locator('main').textContent()).includes('congdan@tinhso.local'));

  await citizen.reload();
  await citizen.getByLabel('Rất hài lòng').check();
  await citizen.getByRole('button', { name: 'Gửi đánh giá' }).click();
  await citizen.getByTestId('feedback-rating').getByText('Rất hài lòng').waitFor();
  await citizen.getByTestId('feedback-status').getByText('Đã đóng').waitFor();
});

test('someone without an account rates the answer from their private link', async () => {
  const reporter = await platform.newPage();
  await reporter.setViewportSize({ width: 360, height: 740 });
  await reporter.goto('/feedback/new');
  await reporter.getByLabel('Lĩnh vực').selectOption({ label: 'Môi trường' });
  await reporter.getByLabel('Tiêu đề').fill('Khói đốt rác ven sông Nhà Lê');
  await reporter.getByLabel('Nội dung phản ánh').fill('Tối nào cũng có người đốt rác ven sông, khói bay vào nhà dân.');
  await reporter.getByLabel('Địa bàn').selectOption({ label: 'Phường Hạc Thành' });
  await reporter.getByLabel('Email').fill('nguoi.dan.an.danh@example.com');
  await reporter.getByRole('button', { name: 'Gửi phản ánh', exact: true }).click();
  const code = (await reporter.getByTestId('feedback-code').textContent()).trim();
  const privateLink = await reporter.getByTestId('private-link').getAttribute('href');
  assert.match(privateLink, new RegExp(`/feedback/${code}\\?key=`));
  assert.equal(await platform.linkFromEmail('nguoi.dan.an.danh@example.com', code), privateLink);

  const ward = await platform.newPage();
  await signIn(ward, 'motcua.hacthanh@tinhso.local');
  await ward.goto(`/feedback/${code}`);
  await ward.getByRole('button', { name: 'Tiếp nhận xử lý' }).click();
  await ward.getByLabel('Trả lời của cơ quan').fill('Phường đã nhắc nhở và bố trí điểm thu gom rác mới.');
  await ward.getByRole('button', { name: 'Gửi trả lời công khai' }).click();
  await ward.getByTestId('feedback-status').getByText('Đã trả lời').waitFor();

  // Days later, on another phone: the link from the email is all it takes.
  const later = await platform.newPage();
  await later.goto(privateLink);
  await later.getByLabel('Hài lòng', { exact: true }).check();
  await later.getByRole('button', { name: 'Gửi đánh giá' }).click();
  await later.getByTestId('feedback-status').getByText('Đã đóng').waitFor();
  const stranger = await platform.newPage();
  await stranger.goto(`/feedback/${code}`);
  assert.equal(await stranger.getByRole('button', { name: 'Gửi đánh giá' }).count(), 0);
});

test('an anonymous reporter\'s name stays with the agency, never on the public page', async () => {
  const reporter = await platform.newPage();
  await reporter.setViewportSize({ width: 360, height: 740 });
  await reporter.goto('/feedback/new');
  // Required fields are announced to screen readers, not only marked with a star.
  for (const label of ['Lĩnh vực', 'Tiêu đề', 'Nội dung phản ánh']) {
    assert.equal(await reporter.getByLabel(label).evaluate((e) => e.required), true, label);
  }
  assert.equal(await reporter.getByLabel('Công khai họ tên').count(), 0, 'no opt-in without an account');
  await reporter.getByLabel('Lĩnh vực').selectOption({ label: 'Trật tự đô thị' });
  await reporter.getByLabel('Tiêu đề').fill('Quán ăn lấn chiếm vỉa hè phố Tống Duy Tân');
  await reporter.getByLabel('Nội dung phản ánh').fill('Buổi tối bàn ghế bày kín vỉa hè, người đi bộ phải xuống lòng đường.');
  await reporter.getByLabel('Địa bàn').selectOption({ label: 'Phường Hạc Thành' });
  await reporter.getByLabel('Họ và tên').fill('Phạm Thị Kín Tên');
  await reporter.getByLabel('Email').fill('kin.ten@example.com');
  await reporter.getByLabel('Số điện thoại').fill('0911222333');
  await reporter.getByRole('button', { name: 'Gửi phản ánh', exact: true }).click();
  const code = (await reporter.getByTestId('feedback-code').textContent()).trim();
  await reporter.getByTestId('feedback-reporter').getByText('Không công khai tên').waitFor();

  const stranger = await platform.newPage();
  await stranger.goto('/feedback');
  await stranger.getByRole('link', { name: 'Quán ăn lấn chiếm vỉa hè phố Tống Duy Tân' }).click();
  await stranger.getByTestId('feedback-reporter').getByText('Không công khai tên').waitFor();
  for (const page of [reporter, stranger]) {
    const text = await page.locator('body').textContent();
    for (const secret of ['Phạm Thị Kín Tên', 'kin.ten@example.com', '0911222333']) {
      assert.ok(!text.includes(secret), `${secret} is not public`);
    }
  }

  // The ward handling it sees who wrote and how to reach them, in a panel of its own.
  const ward = await platform.newPage();
  await signIn(ward, 'motcua.hacthanh@tinhso.local');
  await ward.goto(`/feedback/${code}`);
  await ward.getByRole('heading', { name: 'Xử lý phản ánh' }).waitFor();
  await ward.getByRole('heading', { name: 'Trả lời công khai' }).waitFor();
  assert.ok((await ward.locator('main').textContent()).includes('Phạm Thị Kín Tên · kin.ten@example.com · 0911222333'));

  // A signed-in citizen chooses whether to be named; the box starts unticked.
  const citizen = await platform.newPage();
  await signIn(citizen, 'congdan2@tinhso.local');
  await citizen.goto('/feedback/new');
  assert.equal(await citizen.getByLabel('Công khai họ tên của tôi').isChecked(), false);

  // Anyone reaches the public statistics from the footer.
  await stranger.goto('/');
  await stranger.getByRole('contentinfo').getByRole('link', { name: 'Thống kê công khai' }).click();
  await stranger.getByRole('heading', { name: 'Thống kê công khai', level: 1 }).waitFor();
  await stranger.getByTestId('public-feedback').waitFor();
});
