// The bench charges a load step's CPU time to the servers that used it.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { childrenRunning, startCpuMeter } from '../../src/bench/cpu.ts';

// Busy for 400 ms, then says so and idles until killed.
const BUSY = `const end = Date.now() + 400; while (Date.now() < end); process.stdout.write('done'); setInterval(() => {}, 1000);`;

// Sends datagrams over loopback for 400 ms (the kernel's UDP path, as a
// load step's), then says so and idles until killed.
const SENDING = `const s = require('node:dgram').createSocket('udp4'); s.bind(0, '127.0.0.1', () => {
  const end = Date.now() + 400; const data = Buffer.alloc(300);
  const burst = () => { for (let i = 0; i < 200; i++) s.send(data, s.address().port, '127.0.0.1');
    if (Date.now() < end) setImmediate(burst); else process.stdout.write('done'); };
  burst(); });`;

/** A process running code (BUSY by default), killed at teardown. */
const busyChild = async (t: Test, code = BUSY) => {
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => child.kill('SIGKILL'));
  await once(child, 'spawn');
  return child;
};

t.test("a server process's busy time is counted as the servers'", async (t) => {
  const child = await busyChild(t);
  // Stopped when the loop is done, before the load's 2 s: read up to then.
  const meter = startCpuMeter([child.pid!], 2, () => []);
  await once(child.stdout!, 'data');
  // One exchange: the figures are the step's totals.
  const use = meter.stop(1);
  t.ok(use, 'measured');
  t.ok(use!.serversUs >= 250_000 && use!.serversUs <= 1_500_000, `${use!.serversUs} µs of a 400 ms busy loop`);
  t.ok(use!.busyCores >= 0.5, `the machine was busy meanwhile (${use!.busyCores} cores)`);
  t.equal(meter.stop(0), undefined, 'nothing per exchange without exchanges');
});

t.test('a process that exits during the step is not counted, rather than counted negatively', async (t) => {
  // Busy for 300 ms before the step starts, then exits during it.
  const child = spawn(process.execPath, ['-e', `const end = Date.now() + 300; while (Date.now() < end); process.stdout.write('busy', () => process.exit(0));`],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => child.kill('SIGKILL'));
  await once(child.stdout!, 'data');
  const meter = startCpuMeter([child.pid!], 1, () => []);
  await once(child, 'exit');
  const use = meter.stop(1);
  t.equal(use!.serversUs, 0, 'its time before the step is not subtracted');
});

t.test("the machine's busy cores are read over the load's seconds, not the quiet wait after them", async (t) => {
  const child = await busyChild(t);
  const meter = startCpuMeter([child.pid!], 0.4, () => []);
  await once(child.stdout!, 'data');
  // As perfdhcp waits for late answers: the step goes on, idle.
  await new Promise((resolve) => setTimeout(resolve, 1200));
  const use = meter.stop(1);
  t.ok(use!.busyCores >= 0.5, `busy while loaded: ${use!.busyCores} cores (over the whole step it would read about 0.3)`);
});

t.test('the load generator is counted apart, also when it starts after the meter', async (t) => {
  const server = await busyChild(t);
  await once(server.stdout!, 'data');
  // The server is done and idle; perfdhcp starts just after a step's meter.
  const meter = startCpuMeter([server.pid!], 2, childrenRunning('node'));
  const load = await busyChild(t);
  await once(load.stdout!, 'data');
  const use = meter.stop(1)!;
  t.ok(use.loadUs >= 250_000 && use.loadUs <= 1_500_000, `${use.loadUs} µs of the load generator's 400 ms busy loop`);
  t.ok(use.serversUs < 100_000, `not the servers' (${use.serversUs} µs)`);
  // Nor is it the rest's, which is the machine's busy time less the
  // servers', PostgreSQL's and the load's. The rest itself is not checked:
  // it holds whatever else the machine runs (other test files in CI).
});

t.test("the kernel's share is counted: a loopback UDP sender's system calls", async (t) => {
  const meter = startCpuMeter([], 2, childrenRunning('node'));
  const sender = await busyChild(t, SENDING);
  await once(sender.stdout!, 'data');
  const use = meter.stop(1)!;
  t.ok(use.kernelUs >= 100_000, `${use.kernelUs} µs in the kernel of ${use.loadUs} µs used by the sender`);
});
