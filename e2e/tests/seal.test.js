// The agency's digital seal at issue (issue 15, docs/signatures-design.md §3 "Appearance"), in the
// browser: a decision of phường Hạc Thành with a real PDF goes through review and form check;
// the leader signs it digitally from the document page, through the confirmation step, then
// approves it; the document clerk (văn thư) issues it with "Đóng dấu số của cơ quan" ticked,
// through the confirmation step; the issued version's signatures page shows the leader's
// signature and the agency's seal, both valid; the recipient's văn thư downloads the copy it
// received and, signed out, anyone checking that file at /signatures/verify sees two valid
// signatures. Ticking the seal on a decision the leader approved without signing digitally is
// refused with the page's Vietnamese message, and nothing is numbered or stored.
//
// Signature and seal images (Decree 30/2020 Appendix I; crates/signatures/src/images.rs): the
// leader uploads a PNG of their handwritten signature on "Ảnh chữ ký của tôi", the ward's
// administrator the seal's PNG on "Ảnh con dấu của cơ quan"; a text file named .png and a 10×10
// PNG are refused with the page's Vietnamese message, the image before kept. The leader's
// signed PDF then carries the signature image, the sealed one the seal's too (`pdfimages
// -list`), and both are drawn on its page (rendered by pdftoppm, the inks' pixels counted).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { startPlatform, signIn, enrolTotp } from './harness.js';
import {
  official, stateOf, draftToApproval, signDigitally, approve, issue, submitIssue, signatureTexts,
  LEADER, LEADER_NAME, AGENCY,
} from './drafts.js';

const work = mkdtempSync(join(tmpdir(), 'tinhso-seal-'));
const RECIPIENT_CLERK = 'vanthu.tuphap@tinhso.local';
const ADMIN = 'quantri.hacthanh@tinhso.local';
const REFUSAL = 'chưa có chữ ký số hợp lệ của lãnh đạo cơ quan ban hành';

let platform;
before(async () => { platform = await startPlatform(); });
after(async () => { await platform?.stop(); });

/** The leader approves on the document's page, which then reads "Đã ký duyệt". */
async function approved(leader) {
  await approve(leader);
  assert.equal(await stateOf(leader), 'Đã ký duyệt');
}

test('the leader signs, the văn thư issues with the agency seal, and the received copy shows two valid signatures', async () => {
  const subject = 'Quyết định ban hành quy chế thử nghiệm ký số (minh họa)';
  const { url, leader, clerk } = await draftToApproval(platform, subject);

  // The leader signs the approved PDF digitally, from the document page, asked first.
  await signDigitally(leader);
  await leader.getByRole('link', { name: /Phiên bản 2: quyet-dinh\.signed\.pdf/ }).waitFor();
  await approved(leader);

  // The văn thư issues it with the agency's seal: numbered, and the sealed file is version 3.
  await clerk.goto(url);
  const number = await issue(clerk, { seal: true });
  assert.equal(await stateOf(clerk), 'Đã ban hành');
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
  const recipient = await official(platform, RECIPIENT_CLERK);
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
  const { url, leader, clerk } = await draftToApproval(platform, subject);
  await approved(leader);
  await leader.context().close();

  await clerk.goto(url);
  await submitIssue(clerk, { seal: true });
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

// Signature and seal images. -------------------------------------------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** An 8-bit RGBA PNG, transparent but where `ink(x, y)` gives an [r, g, b, a] colour. */
function png(width, height, ink) {
  const row = width * 4 + 1;
  const raw = Buffer.alloc(row * height); // each row's filter byte 0: none
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const colour = ink(x, y);
      if (colour) raw.set(colour, y * row + 1 + x * 4);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, no filter method, not interlaced
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

// The inks are told apart from the stamp's own dark blue text (0 0 0.55 rg) and the page's
// black: a dark green handwritten stroke, a red seal.
const SIGNATURE_INK = [0, 110, 40, 255];
const SEAL_INK = [210, 20, 20, 255];

/** A 200 × 80 handwritten-looking stroke: a wave 4 px thick, across the image. */
function signaturePng() {
  return png(200, 80, (x, y) => {
    const centre = 40 + 24 * Math.min(1, x / 40, (200 - x) / 40) * Math.sin((x / 200) * 3 * Math.PI);
    return x > 8 && x < 192 && Math.abs(y - centre) < 2.5 ? SIGNATURE_INK : null;
  });
}

/** A 120 × 120 round seal: two red rings. */
function sealPng() {
  return png(120, 120, (x, y) => {
    const r = Math.hypot(x - 59.5, y - 59.5) / 60;
    return (r > 0.86 && r < 0.97) || (r > 0.66 && r < 0.71) ? SEAL_INK : null;
  });
}

// Poppler's complaints about the fixture's page (its text names a font the page does not list)
// are kept with a failure, not printed.
const QUIET = ['ignore', 'pipe', 'pipe'];

/** `pdfimages -list` of `pdf`: "type width×height" per image ("image", "smask"). */
function pdfImages(pdf, name) {
  const file = join(work, name);
  writeFileSync(file, pdf);
  return execFileSync('pdfimages', ['-list', file], { stdio: QUIET }).toString().trim().split('\n').slice(2)
    .map((line) => {
      const f = line.trim().split(/\s+/);
      return `${f[2]} ${f[3]}×${f[4]}`;
    });
}

/** How many pixels of the PDF's only page, rendered at 100 dpi, `isInk` picks out. */
function inkOnPage(pdf, name, isInk) {
  const file = join(work, name);
  writeFileSync(file, pdf);
  execFileSync('pdftoppm', ['-r', '100', '-singlefile', file, file], { stdio: QUIET });
  const ppm = readFileSync(`${file}.ppm`);
  // A binary PPM: "P6", width, height, largest value, one white space, then RGB bytes.
  const header = ppm.subarray(0, 40).toString('latin1').match(/^P6\s+(\d+)\s+(\d+)\s+255\s/);
  assert.ok(header, 'a binary PPM');
  const [all, width, height] = header;
  assert.equal(ppm.length - all.length, width * height * 3);
  let count = 0;
  for (let i = all.length; i < ppm.length; i += 3) if (isInk(ppm[i], ppm[i + 1], ppm[i + 2])) count++;
  return count;
}

const signatureInk = (r, g, b) => g > 60 && g > r + 40 && g > b + 20;
const sealInk = (r, g, b) => r > 150 && g < 100 && b < 100;

/** Downloads the version whose link `name` matches, from the document's page: its bytes. */
async function downloadVersion(page, name) {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('doc-versions').getByRole('link', { name }).click(),
  ]);
  const file = join(work, `${Date.now()}-${download.suggestedFilename()}`);
  await download.saveAs(file);
  return readFileSync(file);
}

/**
 * Uploads `file` on the image page `page` shows (at `path`): the status the upload was
 * answered with (303 when kept, 422 when refused), the page that follows loaded.
 */
async function uploadImage(page, path, file) {
  await page.getByLabel('Tệp ảnh (PNG hoặc JPEG)').setInputFiles(file);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === path),
    page.getByRole('button', { name: 'Tải ảnh lên' }).click(),
  ]);
  await page.waitForLoadState();
  return response.status();
}

/** The image page's preview, loaded by the browser: its natural width and height. */
async function preview(page, alt) {
  const img = page.getByRole('img', { name: alt });
  await img.waitFor();
  return img.evaluate((el) => el.decode().then(() => [el.naturalWidth, el.naturalHeight]));
}

async function meta(page) {
  return (await page.getByTestId('sig-image-meta').textContent()).replace(/\s+/g, ' ').trim();
}

test('the signature and seal images are uploaded on their pages, bad files refused, and both are drawn in the signed and sealed PDF', async () => {
  // The leader finds their image page from the office, with none yet, and uploads a PNG.
  const leader = await official(platform, LEADER);
  await leader.goto('/office');
  assert.equal(await leader.getByRole('link', { name: 'Ảnh con dấu của cơ quan' }).count(), 0, 'a leader has no seal page');
  await leader.getByRole('link', { name: 'Ảnh chữ ký của tôi' }).click();
  await leader.getByRole('heading', { level: 1, name: 'Ảnh chữ ký của tôi' }).waitFor();
  await leader.getByTestId('sig-image-none').waitFor();
  const status = await uploadImage(leader, '/signatures/my-image', { name: 'chu-ky.png', mimeType: 'image/png', buffer: signaturePng() });
  assert.equal(status, 303);
  assert.equal(new URL(leader.url()).pathname, '/signatures/my-image');
  assert.deepEqual(await preview(leader, 'Ảnh chữ ký tay'), [200, 80]);
  assert.match(await meta(leader), /^image\/png · 200×80 · /);

  // Bad files are refused with the reason, and the image before stays.
  for (const [file, message] of [
    [{ name: 'chu-ky-moi.png', mimeType: 'image/png', buffer: Buffer.from('Đây là văn bản, không phải ảnh.\n') },
      'Tệp không phải ảnh PNG hoặc JPEG.'],
    [{ name: 'nho.png', mimeType: 'image/png', buffer: png(10, 10, () => SIGNATURE_INK) },
      'Ảnh phải có mỗi chiều từ 16 đến 2000 điểm ảnh (ảnh này 10×10).'],
  ]) {
    assert.equal(await uploadImage(leader, '/signatures/my-image', file), 422, file.name);
    assert.equal((await leader.locator('#e-file').textContent()).trim(), message, file.name);
    assert.deepEqual(await preview(leader, 'Ảnh chữ ký tay'), [200, 80], file.name);
    assert.match(await meta(leader), /^image\/png · 200×80 · /, file.name);
  }
  await leader.goto('/signatures/my-image');
  assert.match(await meta(leader), /^image\/png · 200×80 · /);
  assert.equal(await leader.locator('#e-file').count(), 0);
  // The seal's page is its administrator's alone.
  assert.equal((await leader.goto('/signatures/agency-seal')).status(), 403);
  await leader.context().close();

  // The ward's administrator, with the second factor every administrator needs, uploads the seal.
  const admin = await platform.newPage();
  await signIn(admin, ADMIN);
  await admin.getByRole('heading', { name: 'Xác thực hai lớp' }).waitFor();
  await enrolTotp(admin);
  await admin.getByText('Đã bật xác thực hai lớp.').waitFor();
  await admin.goto('/office');
  await admin.getByRole('link', { name: 'Ảnh con dấu của cơ quan' }).click();
  await admin.getByRole('heading', { level: 1, name: 'Ảnh con dấu của cơ quan' }).waitFor();
  await admin.getByTestId('sig-image-none').waitFor();
  assert.equal(await uploadImage(admin, '/signatures/agency-seal', { name: 'con-dau.png', mimeType: 'image/png', buffer: sealPng() }), 303);
  assert.deepEqual(await preview(admin, 'Ảnh con dấu của cơ quan'), [120, 120]);
  assert.match(await meta(admin), /^image\/png · 120×120 · /);
  assert.equal(await uploadImage(admin, '/signatures/agency-seal', { name: 'dau-nho.png', mimeType: 'image/png', buffer: png(10, 10, () => SEAL_INK) }), 422);
  assert.equal((await admin.locator('#e-file').textContent()).trim(), 'Ảnh phải có mỗi chiều từ 16 đến 2000 điểm ảnh (ảnh này 10×10).');
  assert.deepEqual(await preview(admin, 'Ảnh con dấu của cơ quan'), [120, 120]);
  await admin.context().close();

  // The leader signs: the signed file carries the signature image, with its transparency as a
  // soft mask, and draws it in the stamp; no seal yet.
  const subject = 'Quyết định về ảnh chữ ký và con dấu trên văn bản điện tử (minh họa)';
  const { url, leader: signer, clerk } = await draftToApproval(platform, subject);
  await signDigitally(signer);
  const signed = await downloadVersion(signer, /Phiên bản 2: quyet-dinh\.signed\.pdf/);
  assert.match(signed.toString('latin1'), /\/Subtype\s*\/Image\b/);
  assert.deepEqual(pdfImages(signed, 'signed.pdf'), ['image 200×80', 'smask 200×80']);
  assert.ok(inkOnPage(signed, 'signed.pdf', signatureInk) > 50, 'the signature image is drawn');
  assert.equal(inkOnPage(signed, 'signed.pdf', sealInk), 0, 'no seal before issue');
  await approved(signer);
  await signer.context().close();

  // The văn thư issues with the seal: the sealed file adds the seal's image, drawn too, and both
  // signatures check out.
  await clerk.goto(url);
  await issue(clerk, { seal: true });
  const sealed = await downloadVersion(clerk, /Phiên bản 3: quyet-dinh\.issued\.pdf/);
  assert.deepEqual(pdfImages(sealed, 'sealed.pdf').sort(), ['image 120×120', 'image 200×80', 'smask 120×120', 'smask 200×80']);
  assert.ok(inkOnPage(sealed, 'sealed.pdf', signatureInk) > 50, 'the signature image is still drawn');
  assert.ok(inkOnPage(sealed, 'sealed.pdf', sealInk) > 50, 'the seal image is drawn');
  await clerk.getByTestId('doc-versions').getByRole('listitem').filter({ hasText: 'Phiên bản 3: quyet-dinh.issued.pdf' })
    .getByRole('link', { name: 'Kiểm tra chữ ký số' }).click();
  const onPage = await signatureTexts(clerk);
  assert.equal(onPage.length, 2, onPage.join('\n'));
  assert.match(onPage[0], new RegExp(`${LEADER_NAME}.*Hợp lệ · PAdES B-LT · DEMO`), onPage[0]);
  assert.match(onPage[1], new RegExp(`${AGENCY}.*Hợp lệ · PAdES B-LT · DEMO`), onPage[1]);
  await clerk.context().close();
});
