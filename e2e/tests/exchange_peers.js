// Two platforms exchanging documents (edXML, issue 15), as the browser journeys start them: two
// tinhso processes, each on its own database, configured as each other's exchange peers
// (`--config` with `[[exchange.peers]]`, each holding the other's public exchange key).
// Platform A is the demo province; platform B trusts A's demo root
// (`signatures.trust_anchors_file`, A's /pki/ca/root.cer) and its Sở Tư pháp goes by Văn phòng
// Chính phủ's code, which A reaches through the exchange: what phường Hạc Thành on A sends to
// "000.00.00.G22 Văn phòng Chính phủ" is received by Sở Tư pháp's văn thư on B.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createECDH, createPublicKey, X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlatform, freePort } from './harness.js';

export const VPCP = '000.00.00.G22';
export const STP = '000.00.14.H56';
/** B's văn thư, who receives what A sends to Văn phòng Chính phủ. */
export const B_CLERK = 'vanthu.tuphap@tinhso.local';

/** A P-256 exchange key: its private scalar (hex, as `exchange.key` takes it) and public PEM. */
function exchangeKey() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const spki = Buffer.concat([
    Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'),
    ecdh.getPublicKey(),
  ]);
  const pem = createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' });
  return { secret: ecdh.getPrivateKey('hex').padStart(64, '0'), pem };
}

/** A platform's configuration file in `work`: its exchange name and key, and its one peer. */
function configFile(work, name, id, key, peer) {
  const cert = join(work, `${peer.id}.pem`);
  writeFileSync(cert, peer.pem);
  const path = join(work, `${name}.toml`);
  writeFileSync(path, [
    '[exchange]',
    `id = "${id}"`,
    `key = "${key.secret}"`,
    '[[exchange.peers]]',
    `id = "${peer.id}"`,
    `base_url = "${peer.url}"`,
    `organ_ids = [${peer.organs.map((o) => `"${o}"`).join(', ')}]`,
    `cert_file = "${cert}"`,
    '',
  ].join('\n'), { mode: 0o600 });
  return path;
}

/**
 * Runs `statement` on platform `p`'s database (its SQLite file, or its PostgreSQL database). On
 * SQLite it waits up to 30 s for the server's own writes (its start-up work holds the lock).
 */
export function sql(p, statement) {
  if (p.databaseUrl) execFileSync('psql', [p.databaseUrl, '-qc', statement]);
  else execFileSync('sqlite3', ['-cmd', '.timeout 30000', join(p.dir, 'tinhso.db'), statement]);
}

/** Starts platforms A and B peered with each other: `{ a, b, stop }`. */
export async function startPeers() {
  const work = mkdtempSync(join(tmpdir(), 'tinhso-exchange-'));
  const [portA, portB] = [await freePort(), await freePort()];
  const [keyA, keyB] = [exchangeKey(), exchangeKey()];
  const urlA = `http://127.0.0.1:${portA}`;
  const urlB = `http://127.0.0.1:${portB}`;
  // A: the demo province, whose agencies write to Văn phòng Chính phủ on B.
  const configA = configFile(work, 'a', 'thanhhoa', keyA, { id: 'trunguong', url: urlB, organs: [VPCP], pem: keyB.pem });
  const a = await startPlatform({ port: portA, args: ['--config', configA] });
  let b;
  try {
    // B trusts A's demo root: A's signatures are checked on arrival against it.
    const response = await fetch(`${a.base}/pki/ca/root.cer`);
    assert.equal(response.status, 200);
    const root = new X509Certificate(Buffer.from(await response.arrayBuffer()));
    const anchors = join(work, 'a-root.pem');
    writeFileSync(anchors, root.toString());
    const configB = configFile(work, 'b', 'trunguong', keyB, { id: 'thanhhoa', url: urlA, organs: ['*.H56'], pem: keyA.pem });
    b = await startPlatform({
      port: portB,
      args: ['--config', configB],
      env: { TINHSO_SIGNATURES__TRUST_ANCHORS_FILE: anchors },
    });
    // On B, Sở Tư pháp goes by Văn phòng Chính phủ's code (its văn thư receives what A sends).
    sql(b, `UPDATE agencies SET code = '${VPCP}' WHERE code = '${STP}'`);
  } catch (e) {
    await a.stop();
    await b?.stop();
    throw e;
  }
  return {
    a,
    b,
    async stop() {
      await a.stop();
      await b.stop();
    },
  };
}
