// The bench raises the kernel's default receive buffer only while it loads
// the servers, and always sets it back (a scratch file stands for the
// /proc/sys setting).
import t, { type Test } from 'tap';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { raiseDefaultReceiveBuffer } from '../../src/bench/receive-buffer.ts';

const setting = (t: Test, value: string) => {
  const dir = mkdtempSync(join(tmpdir(), 'dhcpg-rmem-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'rmem_default');
  writeFileSync(file, `${value}\n`);
  return file;
};

t.test('a smaller default is raised, then set back, once', async (t) => {
  const file = setting(t, '212992');
  const buffer = raiseDefaultReceiveBuffer(4 << 20, file);
  t.same({ bytes: buffer.bytes, unchanged: buffer.unchanged }, { bytes: 4 << 20, unchanged: undefined });
  t.equal(readFileSync(file, 'utf8'), String(4 << 20));
  const exitListeners = process.listenerCount('exit');
  buffer.restore();
  t.equal(readFileSync(file, 'utf8'), '212992');
  t.equal(process.listenerCount('exit'), exitListeners - 1, 'nothing left to do at exit');
});

t.test('a default already as large is left alone', async (t) => {
  const file = setting(t, '8388608');
  const buffer = raiseDefaultReceiveBuffer(4 << 20, file);
  t.equal(buffer.bytes, 8388608);
  buffer.restore();
  t.equal(readFileSync(file, 'utf8'), '8388608\n');
});

t.test('a setting that cannot be written or read is reported, not thrown', async (t) => {
  const file = setting(t, '212992');
  chmodSync(file, 0o444);
  if (process.getuid?.() !== 0) {
    const readOnly = raiseDefaultReceiveBuffer(4 << 20, file);
    t.equal(readOnly.bytes, 212992);
    t.match(readOnly.unchanged, /not raised/);
  }
  const missing = raiseDefaultReceiveBuffer(4 << 20, join(tmpdir(), 'dhcpg-no-such-dir', 'rmem_default'));
  t.equal(missing.bytes, 0);
  t.match(missing.unchanged, /unreadable/);
});
